/**
 * Keyword arguments that reach a layer through helpers' `**kwargs`, for conv-bias-before-batchnorm: whether a call's
 * keywords get to the layer at all, and what the helpers do to one key of the dict on the way
 * (`kwargs.setdefault("bias", False)`, `kwargs["bias"] = …`, `kwargs.pop("bias")`, a helper's own `bias=` to the next).
 */
import { walkExpr, type Arg, type CallExpr, type Expr, type FunctionDef, type IfStmt, type LoopStmt, type Stmt, type TryStmt, type WithStmt } from '../python/ast';
import type { FunctionInfo, LayerInstance } from '../python/model';
import { exprsOf, StmtWalker } from '../python/walk';

export interface ChainLink {
  fn: FunctionInfo;
  /** The call in `fn` that leads on: the next helper's call, or the layer's own construction for the last link. */
  call: CallExpr;
}

/** The helpers a layer is built through, outermost first (empty when it is built where it stands). */
export function helperChain(inst: LayerInstance): ChainLink[] {
  const out: ChainLink[] = [];
  for (let x: LayerInstance | undefined = inst; x?.helper; x = x.helper.inner) out.push({ fn: x.helper.fn, call: x.helper.inner.site });
  return out;
}

/** The name of a function's `**` parameter. */
function kwName(fn: FunctionInfo): string | undefined {
  return fn.def.params.find((p) => p.star === '**')?.name;
}

/**
 * Whether an argument passes `fn`'s own keywords on: its `**` parameter (`**kwargs` in `def f(…, **kwargs)`), or a dict
 * of its own given them (see passedKwargs).
 */
export function passesOwnKwargs(a: Arg, fn: FunctionInfo): boolean {
  return passedKwargs(a, fn) !== undefined;
}

/**
 * The dict an argument passes on in place of `fn`'s `**` parameter: that parameter, or a dict of the function's own
 * made from a literal and then given that parameter (`d = {"kernel_regularizer": l2(5e-4)}; d["padding"] = …;
 * d.update(kwargs)`, as Darknet's Keras ports write their conv wrappers), whose keys set before the `update` are
 * defaults a caller's keyword overrides (`merged`). undefined for any other argument.
 */
function passedKwargs(a: Arg, fn: FunctionInfo): { name: string; merged: boolean } | undefined {
  const kw = kwName(fn);
  if (a.star !== '**' || a.value.kind !== 'name' || !kw) return undefined;
  if (a.value.id === kw) return { name: kw, merged: false };
  return mergesKwargs(fn.def, a.value.id, kw) ? { name: a.value.id, merged: true } : undefined;
}

/** Whether the body of `def` binds `name` to a dict literal of string keys, then calls `name.update(kw)`, both at its top level. */
function mergesKwargs(def: FunctionDef, name: string, kw: string): boolean {
  let made = false;
  for (const s of def.body) {
    if (!made && s.kind === 'assign' && s.targets.length === 1 && s.targets[0].kind === 'name' && s.targets[0].id === name) {
      if (s.value?.kind !== 'dict' || !s.value.items.every((it) => it.key?.kind === 'string')) return false;
      made = true;
    } else if (made && s.kind === 'expr' && isMerge(s.value, name, kw)) return true;
  }
  return false;
}

/** `name.update(kw)`. */
function isMerge(c: Expr, name: string, kw: string): boolean {
  if (c.kind !== 'call') return false;
  const a = c.args[0];
  return c.func.kind === 'attr' && c.func.attr === 'update' && c.func.value.kind === 'name' && c.func.value.id === name && c.args.length === 1 && !a.name && !a.star && a.value.kind === 'name' && a.value.id === kw;
}

/**
 * Whether an argument is the `*` parameter of the function building the layer passed on (`*args` in `def
 * YoloConv2D(*args, **kwargs): return Conv2D(*args, **kwargs)`) without carrying the bias: the positional arguments
 * of `site` it carries, after the layer's own before it, stop short of the bias's position (`index`; undefined for a
 * keyword-only bias). A method (whose calls pass `self` otherwise) or a call with `*` of its own is not followed.
 */
export function forwardsArgsShort(a: Arg, fn: FunctionInfo, ctor: CallExpr, site: CallExpr, index: number | undefined): boolean {
  const star = fn.def.params.findIndex((p) => p.star === '*');
  if (a.star !== '*' || a.value.kind !== 'name' || star < 0 || a.value.id !== fn.def.params[star].name || fn.cls) return false;
  if (site.args.some((x) => x.star === '*')) return false;
  const at = ctor.args.indexOf(a);
  const before = ctor.args.slice(0, at);
  // Positional arguments of the layer's own: plain ones before the `*args`, none after it.
  if (before.some((x) => x.star === '*') || ctor.args.slice(at + 1).some((x) => !x.name && !x.star)) return false;
  if (index === undefined) return true;
  const positional = (args: readonly Arg[]) => args.filter((x) => !x.name && !x.star).length;
  return positional(before) + Math.max(0, positional(site.args) - star) <= index;
}

/** Whether the keywords of the outermost call reach the layer: every helper passes its `**` parameter on with `**`. */
export function forwardsKwargs(chain: readonly ChainLink[]): boolean {
  return chain.length > 0 && chain.every(({ fn, call }) => call.args.some((a) => passesOwnKwargs(a, fn)));
}

/**
 * What the helpers do to `key` of the keywords they pass on, outermost first: nothing; remove it; give it a default
 * (`setdefault`) or a value (`kwargs[key] = …`, or `key=…` written in a helper's call to the next one); or something
 * this cannot tell (a change under a condition or inside an expression, a key that is computed, the dict bound again,
 * passed to a function or updated from another dict, another `*`/`**` in a helper's call to the next).
 */
export type KwEffect = { kind: 'none' } | { kind: 'removed' } | { kind: 'default' | 'set'; value: Expr; fn: FunctionInfo } | { kind: 'unknown' };

export function kwargsEffect(chain: readonly ChainLink[], key: string): KwEffect {
  let effect: KwEffect = { kind: 'none' };
  chain.forEach(({ fn, call }, i) => {
    if (effect.kind === 'unknown') return;
    const passed = call.args.map((a) => passedKwargs(a, fn)).find((p) => p !== undefined);
    const name = passed?.name ?? kwName(fn);
    if (!name) return;
    for (const c of keyChanges(fn.def, name, key, passed?.merged ? kwName(fn) : undefined)) {
      if (c.kind === 'unknown') return (effect = c);
      if (c.kind === 'removed') effect = c;
      else if (c.kind === 'set') effect = { kind: 'set', value: c.value, fn };
      // A default counts only while nothing set the key: the caller's keyword, or an earlier helper's.
      else if (effect.kind !== 'set' && effect.kind !== 'default') effect = { kind: 'default', value: c.value, fn };
    }
    // The call to the next helper (not the layer's construction, whose own arguments its model reads): a `bias=` of its
    // own is the value the next one gets (a caller's `bias` as well would be given twice), another `*`/`**` may hold one.
    if (i === chain.length - 1) return;
    for (const a of call.args) {
      if (a.star && !passesOwnKwargs(a, fn)) return (effect = { kind: 'unknown' });
      if (a.name === key) effect = { kind: 'set', value: a.value, fn };
    }
  });
  return effect;
}

type Change = { kind: 'removed' } | { kind: 'default' | 'set'; value: Expr } | { kind: 'unknown' };

/** Per function body and dict name and key: its changes (a helper is asked once per layer it builds). */
const changesMemo = new WeakMap<FunctionDef, Map<string, Change[]>>();

/**
 * The changes of `key` in the dict `name`, in order. For a dict given the function's keywords by `update` (`mergedFrom`,
 * their name): its literal and what is set before the `update` are defaults, a key removed before it is what the
 * caller passes, and the changes after it count as they are.
 */
function keyChanges(def: FunctionDef, name: string, key: string, mergedFrom?: string): Change[] {
  let byKey = changesMemo.get(def);
  if (!byKey) changesMemo.set(def, (byKey = new Map()));
  const memoKey = `${name}\0${key}\0${mergedFrom ?? ''}`;
  let changes = byKey.get(memoKey);
  if (!changes) {
    const w = new KeyChanges(name, key, mergedFrom);
    w.walk(def.body);
    changes = w.changes;
    if (mergedFrom) {
      const at = w.mergedAt;
      const before: Change[] = [];
      for (const c of changes.slice(0, at)) {
        if (c.kind === 'unknown') before.push(c);
        else if (c.kind === 'removed') before.length = 0;
        else before.push({ kind: 'default', value: c.value });
      }
      changes = at < 0 ? [{ kind: 'unknown' }] : [...before.slice(-1), ...changes.slice(at)];
    }
    byKey.set(memoKey, changes);
  }
  return changes;
}

/** Methods of a dict that change it; any other (`get`, `items`, `copy`…) only reads it. */
const CHANGING = new Set(['setdefault', 'pop', 'update', 'clear', 'popitem', '__setitem__', '__delitem__']);

/** The statements of one function (not of the functions and classes in it) that change `key` of the dict `name`. */
class KeyChanges extends StmtWalker {
  readonly changes: Change[] = [];
  /** For a dict given the function's keywords (`mergedFrom`): where in `changes` the `update` came; -1 before. */
  mergedAt = -1;
  /** Inside a branch, a loop, a `with` or a `try`: a change there may or may not happen. */
  private nested = 0;
  private made = false;

  constructor(
    private readonly name: string,
    private readonly key: string,
    private readonly mergedFrom?: string,
  ) {
    super();
  }

  private add(c: Change): void {
    this.changes.push(this.nested && c.kind !== 'unknown' ? { kind: 'unknown' } : c);
  }

  private isName(e: Expr): boolean {
    return e.kind === 'name' && e.id === this.name;
  }

  /** Whether a string argument names the key: true, false, or undefined when it is computed. */
  private names(e: Expr | undefined): boolean | undefined {
    return e?.kind === 'string' && e.value !== undefined ? e.value === this.key : undefined;
  }

  override visit(s: Stmt): void {
    // The dict read anywhere in the statement's own expressions: a change inside an expression (`float(kw.pop("bias"))`,
    // `if kw.pop("bias", True):`) or the dict handed to a function or bound to another name cannot be followed.
    const top = s.kind === 'expr' || (s.kind === 'assign' && s.targets.every((t) => !this.isName(t))) ? s.value : undefined;
    for (const e of exprsOf(s)) {
      walkExpr(e, (x) => {
        if (x.kind === 'call') {
          for (const a of x.args) if (this.isName(a.value) && a.star !== '**') this.add({ kind: 'unknown' });
          if (x.func.kind === 'attr' && this.isName(x.func.value) && CHANGING.has(x.func.attr)) {
            if (x === top) this.method(x, x.func.attr);
            else if (x.func.attr === 'update' || this.names(x.args[0]?.value) !== false) this.add({ kind: 'unknown' });
          }
        }
      });
    }
    if (s.kind === 'assign' && s.value && this.isName(s.value)) this.add({ kind: 'unknown' });
    super.visit(s);
  }

  /** What a statement's own call on the dict does to the key (`d.setdefault(k, v)`, `d.pop(k)`, `d.update(k=v)`). */
  private method(e: CallExpr, attr: string): void {
    const args = e.args;
    switch (attr) {
      case 'setdefault':
      case 'pop': {
        const k = args[0];
        const named = k && !k.name && !k.star ? this.names(k.value) : undefined;
        if (named === undefined) return this.add({ kind: 'unknown' });
        if (!named) return;
        if (attr === 'pop') return this.add({ kind: 'removed' });
        const v = args[1];
        return this.add(v && !v.name && !v.star ? { kind: 'default', value: v.value } : { kind: 'unknown' });
      }
      case 'update':
        if (this.mergedFrom && !this.nested && this.mergedAt < 0 && this.made && isMerge(e, this.name, this.mergedFrom)) {
          this.mergedAt = this.changes.length;
          return;
        }
        for (const a of args) {
          if (a.star || !a.name) return this.add({ kind: 'unknown' });
          if (a.name === this.key) this.add({ kind: 'set', value: a.value });
        }
        return;
      default:
        return this.add({ kind: 'unknown' });
    }
  }

  /** `d[k] = v` (`value`), or `del d[k]` (no value): the key written, or unknown when it is computed. */
  private item(target: Expr, value: Expr | undefined, removal: boolean): void {
    if (this.isName(target)) return this.add({ kind: 'unknown' });
    if (target.kind === 'tuple' || target.kind === 'list') {
      // `d["bias"], d["stride"] = True, 1`: element by element when the value is written out alongside.
      const paired = !removal && value && (value.kind === 'tuple' || value.kind === 'list') && value.elts.length === target.elts.length ? value.elts : undefined;
      target.elts.forEach((t, i) => this.item(t, paired?.[i], removal));
      return;
    }
    if (target.kind !== 'subscript' || !this.isName(target.value)) return;
    const named = target.index.length === 1 ? this.names(target.index[0]) : undefined;
    if (named === false) return;
    if (named === undefined) return this.add({ kind: 'unknown' });
    if (removal) return this.add({ kind: 'removed' });
    this.add(value ? { kind: 'set', value } : { kind: 'unknown' });
  }

  protected override onAssign(s: Extract<Stmt, { kind: 'assign' }>): void {
    // The literal a dict given the function's keywords starts from (see mergesKwargs): its key, when written there.
    if (this.mergedFrom && !this.made && !this.nested && s.targets.length === 1 && this.isName(s.targets[0]) && s.value?.kind === 'dict') {
      this.made = true;
      for (const it of s.value.items) if (it.key && this.names(it.key)) this.add({ kind: 'set', value: it.value });
      return;
    }
    for (const t of s.targets) this.item(t, s.value, false);
  }

  protected override onAugAssign(s: Extract<Stmt, { kind: 'augassign' }>): void {
    if (this.isName(s.target) || (s.target.kind === 'subscript' && this.isName(s.target.value))) this.add({ kind: 'unknown' });
  }

  protected override onOther(s: Extract<Stmt, { kind: 'other' }>): void {
    if (s.what === 'DeleteStatement') for (const e of s.exprs) this.item(e, undefined, true);
  }

  protected override onDef(): void {}

  protected override onClass(): void {}

  private inside(walk: () => void): void {
    this.nested++;
    walk();
    this.nested--;
  }

  protected override onIf(s: IfStmt): void {
    this.inside(() => super.onIf(s));
  }

  protected override onLoop(s: LoopStmt): void {
    this.inside(() => super.onLoop(s));
  }

  protected override onWith(s: WithStmt): void {
    this.inside(() => super.onWith(s));
  }

  protected override onTry(s: TryStmt): void {
    this.inside(() => super.onTry(s));
  }
}
