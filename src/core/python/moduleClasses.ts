/**
 * Module classes that hand on a layer's output: an `nn.Module` subclass of the file (with a `forward` of its own,
 * deriving from no known layer) whose `forward` returns the output of one of its own conv or linear layers (or of another
 * such module class), directly or through a name last set to it (`x = self.pointwise(x)` … `return x`). Only such a
 * class's instance stands for that layer (MODULE_SPEC; see FlowAnalysis), and then what the class's layers are for
 * depends on where its instances are used: the unit cache signs the class with every unit that reaches it
 * (incremental.ts).
 */
import type { Expr, Stmt } from './ast';
import { roleOf, type PythonModel } from './model';
import type { ClassInfo, FunctionInfo } from './scopes';
import { MAX_DEPTH } from './symbols';

/** A lookup of the model that may come back to itself (PythonModel's resolveOnce, with its memo rule). */
type Once = (cls: ClassInfo, depth: number, work: () => boolean, keep: (value: boolean) => void) => boolean;

export class ModuleClasses {
  private readonly known = new Map<ClassInfo, boolean>();

  constructor(
    private readonly model: PythonModel,
    private readonly once: Once,
    /** Says a lookup was cut short (too deep), so that nothing worked out meanwhile is memoised. */
    private readonly cutShort: () => boolean,
  ) {}

  /** Whether a class of this file is such a module class. */
  forwardsLayerOutput(cls: ClassInfo, depth: number): boolean {
    const forward = cls.methods.get('forward');
    if (!forward) return false;
    const known = this.known.get(cls);
    if (known !== undefined) return known;
    return this.once(cls, depth, () => this.uncached(cls, forward, depth), (v) => this.known.set(cls, v));
  }

  private uncached(cls: ClassInfo, forward: FunctionInfo, depth: number): boolean {
    if (!this.isModuleClass(cls, depth + 1)) return false;
    const body = forward.def.body;
    for (let i = 0; i < body.length; i++) {
      const r = body[i];
      if (r.kind !== 'return' || !r.value) continue;
      const attr = selfCallOf(returnedCall(body, i, r.value), forward);
      if (!attr) continue;
      for (const d of this.model.classAttr(cls, attr) ?? []) {
        if (d.value.kind !== 'call') continue;
        const inst = this.model.instanceAt(d.value, d.scope, depth + 1);
        if (inst && (roleOf(inst) === 'conv' || roleOf(inst) === 'linear' || inst.module)) return true;
      }
    }
    return false;
  }

  /** Whether a class of this file derives from `torch.nn.Module` (directly or through other classes of the file), and from no known layer. */
  private isModuleClass(cls: ClassInfo, depth: number): boolean {
    const model = this.model;
    if (model.layerBase(cls, depth + 1)) return false;
    for (const b of cls.def.bases) {
      if (b.name) continue;
      if (model.qname(b.value, cls.outer, depth + 1) === 'torch.nn.Module') return true;
      for (const c of model.callables(b.value, cls.outer, depth + 1)) {
        if (c.value.kind !== 'class' || c.value.cls === cls || c.value.cls.scope.owner !== model) continue;
        // (A base need not have a `forward` of its own.)
        if (depth + 1 > MAX_DEPTH ? this.cutShort() : this.isModuleClass(c.value.cls, depth + 1)) return true;
      }
    }
    return false;
  }
}

/** The attribute `self.<attr>(…)` calls, in a method. */
function selfCallOf(e: Expr | undefined, method: FunctionInfo): string | undefined {
  if (e?.kind !== 'call' || e.func.kind !== 'attr' || e.func.value.kind !== 'name') return undefined;
  return e.func.value.id === method.scope.selfName ? e.func.attr : undefined;
}

/**
 * What a `return` at `body[i]` returns, as a call: the value itself, or for a name, the value of the last statement
 * before it in the same block that assigns that name alone (`x = self.pointwise(x)` … `return x`).
 */
function returnedCall(body: readonly Stmt[], i: number, value: Expr): Expr | undefined {
  if (value.kind !== 'name') return value;
  for (let j = i - 1; j >= 0; j--) {
    const s = body[j];
    if (s.kind === 'assign' && s.targets.some((t) => t.kind === 'name' && t.id === value.id)) return s.targets.length === 1 && s.value ? s.value : undefined;
    if (s.kind !== 'assign' && s.kind !== 'expr') return undefined;
  }
  return undefined;
}
