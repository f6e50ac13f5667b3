/**
 * The calls of the file that bind the parameters of a class's `__init__` (or of a plain function), found by names only,
 * so that what they pass can be asked while names are being resolved:
 *
 * - the calls naming the class;
 * - the calls naming a subclass of the file that keeps its `__init__` (the class is its first base, so its `__init__`
 *   comes first in the subclass's method resolution order), and `super().__init__(…)` in the `__init__` of a subclass
 *   that has its own (or `Base.__init__(self, …)`, wherever it is);
 * - the calls of a name bound to `functools.partial(Class, …)`, the partial's arguments bound where they give none (the
 *   partial itself when no such call is found);
 * - the class handed on as a value to a parameter of a class or function of the file (`Net(block=Block)`,
 *   `self._make_layer(block, …)` in a method of its class): the calls of that parameter there (`block(c,
 *   norm_layer=…)`), and of the parameters it is handed on to in turn.
 *
 * Calls the file does not show (registered by a decorator, imported by another module, a value handed to a library)
 * are not among them: as for every call out of sight, the parameters' defaults stand for them.
 */
import { callsWithin, type Arg, type CallExpr, type NameExpr } from './ast';
import { callTargetOf } from './callTargets';
import type { LoweredUnit } from './parse';
import { UnitMemo } from './unitMemo';
import { pushTo } from '../arrays';
import type { PythonModel } from './model';
import type { Binding, ClassInfo, FunctionInfo, Scope } from './scopes';

/** A call binding the parameters, and how many positional arguments come before its own (`self`, a partial's). */
export interface NamedCall {
  call: CallExpr;
  scope: Scope;
  skip: number;
  /** For a call of a name bound to `partial(Class, …)`: that partial, whose arguments stand where the call gives none. */
  partial?: { call: CallExpr; scope: Scope };
}

/** How a name is placed where it is mentioned. */
type Place = { kind: 'called'; call: CallExpr } | { kind: 'base'; cls: ClassInfo; first: boolean } | { kind: 'initOf'; call: CallExpr } | { kind: 'arg'; call: CallExpr; arg: Arg };

interface Mention {
  e: NameExpr;
  place: Place | undefined;
}

const MAX_SUBCLASS_DEPTH = 4;
/** How many parameters a value handed on is followed through. */
const MAX_HANDED_DEPTH = 3;

export class NameCallers {
  private placed?: Map<string, Mention[]>;
  private readonly memo = new Map<FunctionInfo, NamedCall[]>();

  constructor(private readonly model: PythonModel) {}

  /** The calls binding `fn`'s parameters (`fn` a class's `__init__`, or a plain function of the file). */
  of(fn: FunctionInfo): NamedCall[] {
    const memo = this.memo.get(fn);
    if (memo) return memo;
    const out: NamedCall[] = [];
    const target = !fn.cls ? fn : fn.def.name === '__init__' ? fn.cls : undefined;
    if (target?.scope.owner === this.model) {
      if ('methods' in target) this.classCalls(target, out, 0);
      else this.callsOf(target.def.name, (b) => b.kind === 'def' && b.fn === target, out);
    }
    this.memo.set(fn, out);
    return out;
  }

  /** The calls reaching `cls`'s `__init__` through `cls` or a subclass of the file. */
  private classCalls(cls: ClassInfo, out: NamedCall[], depth: number): void {
    for (const p of this.callsOf(cls.def.name, (b) => b.kind === 'class' && b.cls === cls, out)) {
      if (p.kind !== 'base' || !p.first || depth >= MAX_SUBCLASS_DEPTH) continue;
      const init = p.cls.methods.get('__init__');
      if (!init) this.classCalls(p.cls, out, depth + 1);
      else this.superInits(p.cls, init, out);
    }
  }

  /** `super().__init__(…)` and `super(Sub, self).__init__(…)` in a subclass's `__init__`. */
  private superInits(sub: ClassInfo, init: FunctionInfo, out: NamedCall[]): void {
    const model = this.model;
    for (const call of callsWithin(model.module.calls, init.def)) {
      const f = call.func;
      if (f.kind !== 'attr' || f.attr !== '__init__' || f.value.kind !== 'call') continue;
      const s = f.value;
      const scope = model.scopeOf(call);
      if (s.func.kind !== 'name' || s.func.id !== 'super' || model.lookup('super', scope)) continue;
      const named = s.args[0]?.value;
      if (!s.args.length || (named?.kind === 'name' && named.id === sub.def.name)) out.push({ call, scope, skip: 0 });
    }
  }

  /**
   * The calls of the mentions of `name` that denote the target (`denotes`), added to `out`: `Name(…)`, `Name.__init__(self,
   * …)` (after `self`), `partial(Name, …)` and the calls of a name bound to it alone; the places of the other mentions.
   */
  private callsOf(name: string, denotes: (b: Binding) => boolean, out: NamedCall[]): Place[] {
    const model = this.model;
    const others: Place[] = [];
    for (const m of this.mentionsOf(name)) {
      const scope = model.scopeOf(m.e);
      if (!model.lookup(name, scope)?.bindings.some(denotes)) continue;
      const p = m.place;
      if (p?.kind === 'called') out.push({ call: p.call, scope, skip: 0 });
      else if (p?.kind === 'initOf') out.push({ call: p.call, scope, skip: 1 });
      else if (p?.kind === 'arg' && p.arg === p.call.args[0] && this.isPartial(p.call, scope)) this.partialCalls(p.call, scope, out);
      else if (p?.kind === 'arg') this.handedOn(p.call, p.arg, scope, out, 0);
      else if (p) others.push(p);
    }
    return others;
  }

  /** Whether a call is `functools.partial(…)`. */
  private isPartial(call: CallExpr, scope: Scope): boolean {
    const q = this.model.qname(call.func, scope);
    return q === 'functools.partial' || q === 'partial';
  }

  /**
   * `partial(Name, a, k=v)` binds its arguments first; `blk = partial(…)`, a name bound once, then `blk(c, …)`: each
   * such call binds its own after the partial's positional ones (its keywords replace the partial's).
   */
  private partialCalls(p: CallExpr, scope: Scope, out: NamedCall[]): void {
    const model = this.model;
    const calls = this.callsOfPartial(p, scope);
    if (calls.length) out.push(...calls);
    else out.push({ call: p, scope, skip: 1 });
  }

  /** The calls of the name a partial is bound to once, each binding the partial's arguments where it gives none. */
  private callsOfPartial(p: CallExpr, scope: Scope): NamedCall[] {
    const model = this.model;
    const stmt = model.statementOf.get(p);
    if (stmt?.kind !== 'assign' || stmt.value !== p || stmt.targets.length !== 1 || stmt.targets[0].kind !== 'name') return [];
    const id = stmt.targets[0].id;
    const found = model.lookup(id, scope);
    if (found?.bindings.length !== 1) return [];
    const positional = p.args.filter((a) => !a.name && !a.star).length - 1;
    const out: NamedCall[] = [];
    for (const m of this.mentionsOf(id)) {
      if (m.place?.kind !== 'called') continue;
      const at = model.scopeOf(m.e);
      if (model.lookup(id, at)?.bindings[0] === found.bindings[0]) out.push({ call: m.place.call, scope: at, skip: -positional, partial: { call: p, scope } });
    }
    return out;
  }

  /**
   * A value handed on as an argument to a class or plain function of the file, or to a method of the class through
   * `self`: the calls of the parameter it binds in that function, and (to MAX_HANDED_DEPTH) of the parameters it is
   * handed on to from there.
   */
  private handedOn(call: CallExpr, arg: Arg, scope: Scope, out: NamedCall[], depth: number): void {
    const model = this.model;
    const fn = this.calleeOf(call, scope);
    if (!fn || fn.scope.owner !== model) return;
    // The parameter the argument binds, as the call binds it (CallSites.bindCall).
    const site = model.callSites.bindCall({ kind: 'fn', fn }, call, scope);
    const param = fn.def.params.find((p) => {
      const b = !p.star && site.arg(p.name);
      return b && b !== 'hidden' && b.value === arg.value;
    });
    if (!param) return;
    // The parameter itself, never bound again in the function (`block = partial(block, bias=False)` is another callable).
    const isParam = (e: NameExpr, at: Scope) => {
      const bindings = e.id === param.name ? model.lookup(e.id, at)?.bindings : undefined;
      return bindings?.length === 1 && bindings[0].kind === 'param' && bindings[0].param === param;
    };
    const mayBeParam = (e: NameExpr, at: Scope) => e.id === param.name && !!model.lookup(e.id, at)?.bindings.some((b) => b.kind === 'param' && b.param === param);
    for (const c of callsWithin(model.module.calls, fn.def)) {
      const at = model.scopeOf(c);
      if (c.func.kind === 'name' && isParam(c.func, at)) out.push({ call: c, scope: at, skip: 0 });
      if (depth + 1 >= MAX_HANDED_DEPTH) continue;
      for (const a of c.args) {
        if (a.star || a.value.kind !== 'name') continue;
        // `partial(block, norm_layer=…)` (`block = partial(block, …)` too, where the name is bound again): its calls, or
        // the partial itself, are calls of the class, as at module level.
        if (a === c.args[0] && this.isPartial(c, at) && mayBeParam(a.value, at)) this.partialCalls(c, at, out);
        else if (isParam(a.value, at)) this.handedOn(c, a, at, out, depth + 1);
      }
    }
  }

  /** The class's `__init__` or the plain function a call calls, or the method of the class it calls through `self`. */
  private calleeOf(call: CallExpr, scope: Scope): FunctionInfo | undefined {
    const f = call.func;
    if (f.kind === 'attr' && f.value.kind === 'name' && scope.selfName === f.value.id && scope.fn?.cls) return scope.fn.cls.methods.get(f.attr);
    const target = callTargetOf(this.model, call, scope);
    return !target ? undefined : 'methods' in target ? target.methods.get('__init__') : target;
  }

  /** The mentions of `name` in the file that have a place (a call, a base, an argument). */
  private mentionsOf(name: string): Mention[] {
    return this.allPlaced().get(name) ?? [];
  }

  /**
   * Every mention with a place, by name, in the order of the text: the calls of each top-level statement (listed by the
   * parse, read once and kept with the statement, see unitMentions) and the bases of the file's classes.
   */
  private allPlaced(): Map<string, Mention[]> {
    if (this.placed) return this.placed;
    const out = new Map<string, Mention[]>();
    const add = (e: NameExpr, place: Place) => pushTo(out, e.id, { e, place });
    for (const unit of this.model.parsed.units) for (const m of unitMentions.of(unit)) add(m.e, m.place);
    for (const cls of this.model.classes) {
      const positional = cls.def.bases.filter((b) => !b.name && !b.star);
      for (const b of positional) if (b.value.kind === 'name') add(b.value, { kind: 'base', cls, first: b === positional[0] });
    }
    for (const list of out.values()) list.sort((a, b) => a.e.from - b.e.from);
    return (this.placed = out);
  }
}

/**
 * The names a top-level statement's calls place (`Name(…)`, `Name.__init__(…)`, an argument `f(Name)`, `partial(Name, …)`), from
 * the calls the parse lists: kept with the statement, which an edit elsewhere leaves as it is.
 */
const unitMentions = new UnitMemo((unit: LoweredUnit) => {
  const out: { e: NameExpr; place: Place }[] = [];
  for (const call of unit.calls) {
    const f = call.func;
    if (f.kind === 'name') out.push({ e: f, place: { kind: 'called', call } });
    else if (f.kind === 'attr' && f.attr === '__init__' && f.value.kind === 'name') out.push({ e: f.value, place: { kind: 'initOf', call } });
    for (const arg of call.args) if (!arg.star && arg.value.kind === 'name') out.push({ e: arg.value, place: { kind: 'arg', call, arg } });
  }
  return out;
});
