/**
 * What a function of the file does first with one of its parameters, when that is plain: the parameter is used once in
 * the function, applied to a layer built right there (`norm = BatchNormalization(axis=3)(input)`), or handed to another
 * such function (`return _bn_relu(conv)`). A layer's output passed to the function goes into that layer, as if it were
 * written at the call (Keras code passes a conv's output to a small helper that applies batch norm and an activation).
 * The same for a module class's input (its `forward`), which may also go into one of its own layers (`self.bn(x)`).
 * Anything else (the parameter used twice, under a condition, by another method, with `*args`) is not followed.
 */
import type { CallExpr, Expr, Stmt } from './ast';
import { callTargetOf } from './calls';
import type { LayerInstance, PythonModel } from './model';
import type { ClassInfo, FunctionInfo, Scope } from './scopes';
import { walkModule } from './walk';

export class ParamUses {
  private readonly memo = new Map<FunctionInfo, (LayerInstance | null)[]>();
  private readonly classMemo = new Map<ClassInfo, LayerInstance | null>();

  constructor(private readonly model: PythonModel) {}

  /**
   * The layer the function applies first to its positional parameter `index`, if that is all it does with it. (Each
   * function hands the parameter on to one other at most: the chain ends in a layer, in something else, or back at a
   * function on it, which gives none.)
   */
  firstLayer(fn: FunctionInfo, index: number): LayerInstance | null {
    if (fn.scope.owner !== this.model || fn.cls) return null;
    let known = this.memo.get(fn);
    if (!known) this.memo.set(fn, (known = []));
    if (known[index] !== undefined) return known[index];
    known[index] = null;
    const found = this.uncached(fn, index);
    known[index] = found;
    return found;
  }

  /**
   * The layer a module class of the file applies first to its input, if that is all it does with it: its `forward`
   * (PyTorch) or `call` (Keras) uses the parameter after `self` once, in a statement applying one of its own layers to
   * it alone (`x = self.bn(inputs)`, the attribute one layer on every path) or a layer or function as above. An
   * instance applied to a conv's output feeds that layer (a `BNReLU` module after a conv).
   */
  classInput(cls: ClassInfo): LayerInstance | null {
    let known = this.classMemo.get(cls);
    if (known === undefined) this.classMemo.set(cls, (known = this.classInputUncached(cls)));
    return known;
  }

  private classInputUncached(cls: ClassInfo): LayerInstance | null {
    const fn = cls.methods.get('forward') ?? cls.methods.get('call');
    return fn && fn.scope.owner === this.model && fn.scope.selfName ? this.uncached(fn, 1) : null;
  }

  /**
   * The module class of the file an instance is of, when every assignment of what holds it is a call of that one class
   * (`self.br1 = batchnorm_relu(c)` read as `self.br1`, `br = BNReLU(c)`, or the call itself: `BNReLU(c)(x)`).
   */
  instanceClass(f: Expr, scope: Scope): ClassInfo | undefined {
    const model = this.model;
    let made: { value: Expr; scope: Scope }[];
    if (f.kind === 'call') made = [{ value: f, scope }];
    else if (f.kind === 'attr') made = (model.selfAttr(f, scope) ?? []).map((d) => ({ value: d.value, scope: d.scope }));
    else if (f.kind === 'name') {
      const b = model.lookup(f.id, scope);
      made = b?.bindings.every((x) => x.kind === 'assign') ? b.bindings.map((x) => ({ value: (x as { value: Expr }).value, scope: b.scope })) : [];
    } else return undefined;
    let cls: ClassInfo | undefined;
    for (const m of made) {
      if (m.value.kind !== 'call') return undefined;
      const cs = model.callables(m.value.func, m.scope);
      const c = cs.length === 1 && !cs[0].guards.length ? cs[0].value : undefined;
      if (c?.kind !== 'class' || c.base || (cls && cls !== c.cls) || c.cls.scope.owner !== model) return undefined;
      cls = c.cls;
    }
    return cls;
  }

  /** The function a call resolves to, when it is exactly one function of the file (no method). */
  functionOf(call: CallExpr): FunctionInfo | undefined {
    const target = callTargetOf(this.model, call);
    return target && !('methods' in target) && target.scope.owner === this.model ? target : undefined;
  }

  /** The function a call returns, when it returns one function defined inside it (`def f(input): …` then `return f`). */
  closureOf(call: CallExpr): FunctionInfo | undefined {
    const outer = this.functionOf(call);
    if (!outer) return undefined;
    let found: FunctionInfo | undefined;
    for (const s of outer.def.body) {
      if (s.kind !== 'return') continue;
      if (s.value?.kind !== 'name' || found) return undefined;
      const b = this.model.lookup(s.value.id, outer.scope);
      const only = b?.scope === outer.scope && b.bindings.length === 1 ? b.bindings[0] : undefined;
      if (only?.kind !== 'def') return undefined;
      found = only.fn;
    }
    return found;
  }

  /** What `fn` (a plain function, or a module class's `forward`) does first with its positional parameter `index`. */
  private uncached(fn: FunctionInfo, index: number): LayerInstance | null {
    const params = fn.def.params;
    const p = params[index];
    if (!p || p.star || params.slice(0, index + 1).some((q) => q.star)) return null;
    const body = fn.def.body;
    if (uses(body, p.name) !== 1) return null;
    // The first top-level statement naming it: what it does there is all it does.
    for (const s of body) {
      if (uses([s], p.name) === 0) continue;
      const value = s.kind === 'assign' ? s.value : s.kind === 'return' || s.kind === 'expr' ? s.value : undefined;
      return value?.kind === 'call' ? this.applied(value, p.name, fn) : null;
    }
    return null;
  }

  /**
   * `Layer(…)(name)`, `helper(name)`, `make(…)(name)`, or in a method `self.layer(name)` (the attribute one layer on
   * every path), with the name its only argument: the layer it goes into.
   */
  private applied(call: CallExpr, name: string, within: FunctionInfo): LayerInstance | null {
    const a = call.args;
    if (a.length !== 1 || a[0].name !== undefined || a[0].star || !isName(a[0].value, name)) return null;
    const f = call.func;
    const self = within.scope.selfName;
    if (within.cls && self && f.kind === 'attr' && isName(f.value, self)) {
      const insts = this.model.instances(f, within.scope);
      return insts.length === 1 && insts[0].value && !insts[0].guards.length ? insts[0].value : null;
    }
    if (f.kind === 'call') {
      const inst = this.model.instanceAt(f);
      if (inst) return inst;
      const closure = this.closureOf(f);
      return closure ? this.firstLayer(closure, 0) : null;
    }
    const fn = this.functionOf(call);
    return fn ? this.firstLayer(fn, 0) : null;
  }
}

function isName(e: Expr, name: string): boolean {
  return e.kind === 'name' && e.id === name;
}

/** How many times a name is read or written in these statements (nested functions included). */
function uses(body: readonly Stmt[], name: string): number {
  let n = 0;
  walkModule(body, {
    expr: (e) => {
      if (e.kind === 'name' && e.id === name) n++;
    },
  });
  return n;
}
