/**
 * Layers whose bias their own class reads: re-parameterisation code folding it into another layer (`conv1 =
 * self.conv1`, then `conv1.bias` in `fuse()`), or an initialisation of it (`nn.init.zeros_(self.conv.bias)`). Turning
 * such a bias off would break that code, so conv-bias-before-batchnorm leaves the layer alone. A method that checks the
 * bias against `None` first (`if self.conv.bias is not None:`) copes with either and does not count.
 */
import type { Expr } from '../python/ast';
import { walkModule } from '../python/walk';
import type { ClassInfo, LayerInstance } from '../python/model';

const byClass = new WeakMap<ClassInfo, Set<string>>();

/** Whether the layer is `self.X` of a class that reads `X`'s bias in one of its methods. */
export function biasReadByClass(inst: LayerInstance): boolean {
  const cls = inst.siteScope.fn?.cls;
  if (!cls) return false;
  const read = attrsWithBiasRead(cls);
  if (!read.size) return false;
  for (const [name, defs] of cls.attrs) if (read.has(name) && defs.some((d) => d.value === inst.site)) return true;
  return false;
}

function attrsWithBiasRead(cls: ClassInfo): Set<string> {
  let out = byClass.get(cls);
  if (out) return out;
  out = new Set();
  for (const fn of cls.methods.values()) {
    const self = fn.scope.selfName;
    if (!self) continue;
    // Local names bound to `self.X` (`conv1 = self.conv1`), and what each `.bias` is read on.
    const aliases = new Map<string, string>();
    const reads: Expr[] = [];
    const checked = new Set<Expr>();
    walkModule(fn.def.body, {
      stmt: (s) => {
        if (s.kind !== 'assign' || !s.value) return;
        const attr = selfAttrName(s.value, self);
        if (attr) for (const t of s.targets) if (t.kind === 'name') aliases.set(t.id, attr);
      },
      expr: (e) => {
        if (e.kind === 'attr' && e.attr === 'bias') reads.push(e.value);
        else if (e.kind === 'binop' && (e.op === 'is not' || e.op === 'is') && e.right.kind === 'const' && e.right.value === 'None' && e.left.kind === 'attr' && e.left.attr === 'bias') checked.add(e.left.value);
      },
    });
    const attrOf = (v: Expr) => selfAttrName(v, self) ?? (v.kind === 'name' ? aliases.get(v.id) : undefined);
    const guarded = new Set<string>();
    for (const v of checked) {
      const a = attrOf(v);
      if (a) guarded.add(a);
    }
    for (const v of reads) {
      const a = attrOf(v);
      if (a && !guarded.has(a)) out.add(a);
    }
  }
  byClass.set(cls, out);
  return out;
}

/** `X` for `self.X` (the method's first parameter). */
function selfAttrName(e: Expr, self: string): string | undefined {
  return e.kind === 'attr' && e.value.kind === 'name' && e.value.id === self ? e.attr : undefined;
}
