/**
 * Layers whose bias their own class reads or sets: re-parameterisation code folding it into another layer (`conv1 =
 * self.conv1`, then `conv1.bias` in `fuse()`), an initialisation of it (`nn.init.zeros_(self.conv.bias)`), or code
 * removing it (`self.conv.bias = None`, `for conv in self.convs: conv.bias = None`). Turning such a bias off would break
 * that code, or is done already, so conv-bias-before-batchnorm leaves the layer alone. A method that checks the bias
 * against `None` first (`if self.conv.bias is not None:`) copes with either, and its reads do not count.
 *
 * A layer is `self.X` when it is built in what the class puts in the attribute: the value assigned (`self.convs =
 * [nn.Conv2d(…) for …]`), or given to `self.convs.append(…)` (and the other methods adding to a list) or
 * `self.convs[i] = …`; it is read through `self.X`, an element of it (`self.convs[0].bias`), a local name bound to either,
 * or a loop's name over it (`for conv in self.convs`, `enumerate(self.convs)`, `zip(self.convs, …)`).
 *
 * The same holds for a layer held in a local name of the function building it (`conv = nn.Conv2d(…)`, then
 * `conv.bias = None` or `nn.init.zeros_(conv.bias)` there), an element of a local list, another name for either, or a
 * loop's name over it.
 */
import { selfAttrName, subscriptRoot, type CallExpr, type Expr, type Stmt } from '../python/ast';
import { walkModule } from '../python/walk';
import { pushTo } from '../arrays';
import type { ClassInfo, LayerInstance } from '../python/model';
import type { FunctionInfo } from '../python/scopes';

interface BiasUses {
  /** The attributes whose layers' bias is read or set. */
  attrs: Set<string>;
  /**
   * The attributes of which only some elements' bias is read or set, by a literal index (`self.W[1].bias`, the batch
   * norm of `self.W = nn.Sequential(conv, bn)`): the indices.
   */
  elements: Map<string, Set<number>>;
  /**
   * The attributes whose own bias is read or set (`self.W.bias`, `w = self.W; w.bias`): a layer held there, not one
   * inside a container held there (a Sequential has no bias of its own: such a read is of the layer another branch
   * puts in the attribute).
   */
  direct: Set<string>;
  /** Per attribute: what the class's methods put in it besides assigning it (`self.convs.append(x)`: x). */
  puts: Map<string, Expr[]>;
}

const byClass = new WeakMap<ClassInfo, BiasUses>();

/** The methods of lists (and of modules holding layers) that put a layer in them. */
const PUTTING = new Set(['append', 'extend', 'insert', 'add', 'add_module']);

/** Whether the layer is built in what a class puts in an attribute `self.X` whose layers' bias the class reads or sets. */
export function biasReadByClass(inst: LayerInstance): boolean {
  const cls = inst.siteScope.fn?.cls;
  if (!cls) return false;
  const uses = biasUsesOf(cls);
  if (!uses.attrs.size && !uses.direct.size && !uses.elements.size) return false;
  const site = inst.site;
  const holds = (e: Expr | undefined) => !!e && e.from <= site.from && site.to <= e.to;
  for (const [name, defs] of cls.attrs) {
    if (uses.attrs.has(name) && (defs.some((d) => holds(d.value)) || uses.puts.get(name)?.some(holds))) return true;
    if (uses.direct.has(name) && defs.some((d) => holds(d.value) && !isContainer(d.value))) return true;
    const indices = uses.elements.get(name);
    if (!indices) continue;
    // Only the elements read, where what the attribute holds is written out in order; else the whole of it.
    if (uses.puts.has(name)) {
      if (defs.some((d) => holds(d.value)) || uses.puts.get(name)!.some(holds)) return true;
      continue;
    }
    for (const d of defs) {
      const elts = elementsOf(d.value);
      if (!elts) {
        if (holds(d.value)) return true;
        continue;
      }
      for (const k of indices) if (holds(elts[k < 0 ? elts.length + k : k])) return true;
    }
  }
  return false;
}

/** Whether the layer's bias is read or set by its class (biasReadByClass) or the function building it (biasReadInFunction). */
export function biasReadByOwnCode(inst: LayerInstance): boolean {
  return biasReadByClass(inst) || biasReadInFunction(inst);
}

/** Per function: what each local name is assigned, and the names whose layers' bias the function reads or sets. */
interface LocalBiasUses {
  held: Map<string, Expr[]>;
  used: Set<string>;
}

const byFunction = new WeakMap<FunctionInfo, LocalBiasUses>();

/** Whether the layer is built in what the function constructing it assigns a local name whose bias it reads or sets. */
export function biasReadInFunction(inst: LayerInstance): boolean {
  const fn = inst.ctorScope.fn;
  if (!fn) return false;
  const uses = localUsesOf(fn);
  const ctor = inst.ctor;
  for (const name of uses.used) if (uses.held.get(name)?.some((e) => e.from <= ctor.from && ctor.to <= e.to)) return true;
  return false;
}

function localUsesOf(fn: FunctionInfo): LocalBiasUses {
  let out = byFunction.get(fn);
  if (out) return out;
  out = { held: new Map(), used: new Set() };
  const held = out.held;
  // Other names for a local name (`c = conv`, `for c in convs`), what each `.bias` is read on, and what it is set on.
  const aliases = new Map<string, string[]>();
  const { reads, sets, checked } = biasAccesses(fn.def.body, {
    alias: (t, of) => {
      const r = of && subscriptRoot(of);
      if (t.kind !== 'name' || r?.kind !== 'name' || r.id === t.id) return;
      pushTo(aliases, t.id, r.id);
    },
    assign: (t, value) => {
      if (t.kind === 'name') pushTo(held, t.id, value);
    },
  });
  /** The local names a `.bias` is read on: the name itself and those it stands for. */
  const namesOf = (v: Expr): string[] => {
    const r = subscriptRoot(v);
    const names: string[] = r.kind === 'name' ? [r.id] : [];
    for (let i = 0; i < names.length; i++) for (const n of aliases.get(names[i]) ?? []) if (!names.includes(n)) names.push(n);
    return names;
  };
  const guarded = new Set(checked.flatMap(namesOf));
  for (const v of reads) for (const n of namesOf(v)) if (!guarded.has(n)) out.used.add(n);
  // Setting the bias changes it whatever was checked first.
  for (const v of sets) for (const n of namesOf(v)) out.used.add(n);
  byFunction.set(fn, out);
  return out;
}

/** The layers a value holds in order: `nn.Sequential(a, b)`, `nn.ModuleList([a, b])`, `[a, b]`; undefined otherwise. */
function elementsOf(e: Expr): Expr[] | undefined {
  if (e.kind === 'list' || e.kind === 'tuple') return e.elts.some((x) => x.kind === 'starred') ? undefined : e.elts;
  if (e.kind !== 'call' || e.args.some((a) => a.name || a.star)) return undefined;
  const f = e.func;
  const name = f.kind === 'attr' ? f.attr : f.kind === 'name' ? f.id : undefined;
  // One argument may be an OrderedDict of named layers: not read in order here.
  if (name === 'Sequential' && e.args.length > 1) return e.args.map((a) => a.value);
  if (name === 'ModuleList' && e.args.length === 1) return elementsOf(e.args[0].value);
  return undefined;
}

/** A list, tuple, dict, `Sequential`, `ModuleList` or `ModuleDict` of layers. */
function isContainer(e: Expr): boolean {
  if (e.kind === 'list' || e.kind === 'tuple' || e.kind === 'dict') return true;
  if (e.kind !== 'call') return false;
  const f = e.func;
  const name = f.kind === 'attr' ? f.attr : f.kind === 'name' ? f.id : undefined;
  return name === 'Sequential' || name === 'ModuleList' || name === 'ModuleDict';
}

function biasUsesOf(cls: ClassInfo): BiasUses {
  let out = byClass.get(cls);
  if (out) return out;
  out = { attrs: new Set(), elements: new Map(), direct: new Set(), puts: new Map() };
  for (const fn of cls.methods.values()) {
    const self = fn.scope.selfName;
    if (self) methodUses(fn.def.body, self, out);
  }
  byClass.set(cls, out);
  return out;
}

function methodUses(body: readonly Stmt[], self: string, out: BiasUses): void {
  // Local names bound to `self.X` or an element of it (`conv1 = self.conv1`, `for conv in self.convs`), what each
  // `.bias` is read on, and what it is set on.
  // (A name may stand for several: `for m in (self.conv1, self.conv2)`.)
  const aliases = new Map<string, { attr: string; element: boolean }[]>();
  const held = (e: Expr) => selfAttrName(subscriptRoot(e), self);
  const alias = (t: Expr, of: Expr | undefined, element: boolean) => {
    const attr = of && held(of);
    if (attr && t.kind === 'name') pushTo(aliases, t.id, { attr, element: element || of.kind === 'subscript' });
  };
  const put = (attr: string | undefined, e: Expr | undefined) => {
    if (attr !== undefined && e) pushTo(out.puts, attr, e);
  };
  const { reads, sets, checked } = biasAccesses(body, {
    alias,
    assign: (t, value) => {
      if (t.kind === 'subscript') put(held(t), value);
    },
    call: (e) => {
      if (e.func.kind === 'attr' && PUTTING.has(e.func.attr)) for (const a of e.args) put(held(e.func.value), a.value);
    },
  });
  /** The attributes a `.bias` is read on, and whether on an element of one rather than on what it holds itself. */
  const attrsOf = (v: Expr): { attr: string; element: boolean }[] => {
    const r = subscriptRoot(v);
    const attr = selfAttrName(r, self);
    if (attr) return [{ attr, element: r !== v }];
    return (r.kind === 'name' ? (aliases.get(r.id) ?? []) : []).map((a) => ({ attr: a.attr, element: a.element || r !== v }));
  };
  const guarded = new Set<string>();
  for (const v of checked) for (const a of attrsOf(v)) guarded.add(a.attr);
  const use = (v: Expr, { attr: a, element }: { attr: string; element: boolean }) => {
    // `self.W[1].bias`: that element only; `self.W.bias`: what W holds itself.
    const k = v.kind === 'subscript' && selfAttrName(v.value, self) === a && v.index.length === 1 ? indexOf(v.index[0]) : undefined;
    if (!element) out.direct.add(a);
    else if (k === undefined) out.attrs.add(a);
    else {
      const set = out.elements.get(a);
      if (set) set.add(k);
      else out.elements.set(a, new Set([k]));
    }
  };
  for (const v of reads) for (const a of attrsOf(v)) if (!guarded.has(a.attr)) use(v, a);
  // Setting the bias changes it whatever was checked first.
  for (const v of sets) for (const a of attrsOf(v)) use(v, a);
}

type Alias = (t: Expr, of: Expr | undefined, element: boolean) => void;

/** Where a body reads a `.bias`, sets one (`x.bias = …`, biasSetOn) and checks one against None, by what it is of. */
interface BiasAccesses {
  reads: Expr[];
  sets: Expr[];
  checked: Expr[];
}

/**
 * The `.bias` accesses of a method or function body, the one walk of both readers above: `alias` hears each name bound
 * to a value (an assignment, or a loop's name: loopAliases), `assign` each assignment's targets, `call` each call.
 */
function biasAccesses(body: readonly Stmt[], on: { alias: Alias; assign?: (t: Expr, value: Expr) => void; call?: (e: CallExpr) => void }): BiasAccesses {
  const out: BiasAccesses = { reads: [], sets: [], checked: [] };
  walkModule(body, {
    stmt: (s) => {
      if (s.kind === 'assign' && s.value) {
        for (const t of s.targets) {
          on.assign?.(t, s.value);
          on.alias(t, s.value, false);
          if (t.kind === 'attr' && t.attr === 'bias') out.sets.push(t.value);
        }
      } else if (s.kind === 'for' && s.target) loopAliases(s.target, s.iter, on.alias);
    },
    expr: (e) => {
      if (e.kind === 'attr' && e.attr === 'bias') out.reads.push(e.value);
      else if (e.kind === 'binop' && (e.op === 'is not' || e.op === 'is') && e.right.kind === 'const' && e.right.value === 'None' && e.left.kind === 'attr' && e.left.attr === 'bias') out.checked.push(e.left.value);
      else if (e.kind === 'call') {
        const t = biasSetOn(e);
        if (t) out.sets.push(t);
        on.call?.(e);
      }
    },
  });
  return out;
}

/** What a call sets the bias of: `setattr(conv, "bias", None)`, `conv.register_parameter("bias", None)`. */
function biasSetOn(call: CallExpr): Expr | undefined {
  const f = call.func;
  const str = (i: number) => {
    const v = call.args[i]?.value;
    return v?.kind === 'string' && !call.args[i].name ? v.value : undefined;
  };
  if (f.kind === 'name' && f.id === 'setattr' && call.args.length === 3 && str(1) === 'bias') return call.args[0].value;
  if (f.kind === 'attr' && f.attr === 'register_parameter' && call.args.length === 2 && str(0) === 'bias') return f.value;
  return undefined;
}

/** A literal integer index (`1`, `-1`). */
function indexOf(e: Expr): number | undefined {
  if (e.kind === 'number' && Number.isInteger(e.value)) return e.value;
  if (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'number' && Number.isInteger(e.operand.value)) return -e.operand.value;
  return undefined;
}

/** `for conv in self.convs`, `for i, conv in enumerate(self.convs)`, `for conv, bn in zip(self.convs, self.bns)`. */
function loopAliases(target: Expr, iter: Expr, alias: Alias): void {
  // `for m in (self.conv1, self.conv2)`: each layer written out.
  if ((iter.kind === 'tuple' || iter.kind === 'list') && target.kind === 'name') {
    for (const x of iter.elts) alias(target, x, false);
    return;
  }
  const call = iter.kind === 'call' && iter.func.kind === 'name' && !iter.args.some((a) => a.name || a.star) ? iter : undefined;
  const names = target.kind === 'tuple' || target.kind === 'list' ? target.elts : undefined;
  if (call?.func.kind === 'name' && call.func.id === 'enumerate' && names?.length === 2 && call.args.length === 1) alias(names[1], call.args[0].value, true);
  else if (call?.func.kind === 'name' && call.func.id === 'zip' && names?.length === call.args.length) names.forEach((t, i) => alias(t, call.args[i].value, true));
  else alias(target, iter, true);
}
