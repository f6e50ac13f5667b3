/**
 * Lists of layers a class keeps in attributes (`self.convs`), changed where the data-flow walk does not follow the
 * change: in a method that does not build the attribute (`self.convs[0] = …` or `self.convs.append(…)` in `strip()`),
 * or through another name for it (`convs = self.convs`, then `convs[0] = …`). What such an attribute holds when another
 * method reads it depends on the order the methods run in, which is not known.
 */
import { selfAttrName, subscriptRoot, type Expr } from './ast';
import type { ClassInfo, FunctionInfo } from './scopes';
import { walkModule } from './walk';

/** The methods of lists (and of Sequentials being built) that change them in place. */
const CHANGING = new Set(['append', 'extend', 'insert', 'pop', 'remove', 'clear', 'sort', 'reverse', 'add', 'add_module', '__setitem__', '__delitem__']);

/** The attributes of `cls` whose lists `methods` (its own, and those of classes deriving from it) change so. */
export function listsChangedAside(cls: ClassInfo, methods: readonly FunctionInfo[]): Set<string> {
  const out = new Set<string>();
  for (const fn of methods) {
    const self = fn.scope.selfName;
    if (self) changesIn(fn, self, cls, out);
  }
  return out;
}

function changesIn(fn: FunctionInfo, self: string, cls: ClassInfo, out: Set<string>): void {
  const body = fn.def.body;
  // Other names for an attribute's list (or for one of its lists, `blocks = self.stages[0]`).
  const aliases = new Map<string, string>();
  walkModule(body, {
    stmt: (s) => {
      if (s.kind !== 'assign' || !s.value) return;
      const held = selfAttrName(subscriptRoot(s.value), self);
      if (held !== undefined) for (const t of s.targets) if (t.kind === 'name') aliases.set(t.id, held);
    },
  });
  const builds = (attr: string) => [cls.attrs.get(attr), fn.cls?.attrs.get(attr)].some((defs) => defs?.some((d) => d.method === fn));
  /** A change of what `e` holds: counted unless the walk of this method follows it (`self.X` of a method assigning it). */
  const change = (e: Expr) => {
    const direct = selfAttrName(e, self);
    if (direct !== undefined) {
      if (!builds(direct)) out.add(direct);
      return;
    }
    const alias = e.kind === 'name' ? aliases.get(e.id) : undefined;
    if (alias !== undefined) out.add(alias);
  };
  const target = (t: Expr) => {
    if (t.kind === 'subscript') change(subscriptRoot(t));
  };
  walkModule(body, {
    stmt: (s) => {
      if (s.kind === 'assign') s.targets.forEach(target);
      else if (s.kind === 'augassign') {
        target(s.target);
        if (s.target.kind !== 'subscript') change(s.target);
      } else if (s.kind === 'other' && s.what === 'DeleteStatement') s.exprs.forEach(target);
    },
    expr: (e) => {
      if (e.kind === 'call' && e.func.kind === 'attr' && CHANGING.has(e.func.attr)) change(subscriptRoot(e.func.value));
    },
  });
}
