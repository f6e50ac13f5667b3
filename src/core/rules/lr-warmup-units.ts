/**
 * What lr-warmup's batch analysis (lr-warmup-batch.ts) reads of one top-level statement, found once per statement and
 * kept with it (python/unitMemo.ts): the next version of a document only works out the statements an edit touched. Node
 * references and text only: the nodes' offsets move with them.
 */
import type { AssignStmt, CallExpr, Expr, LoopStmt, Stmt } from '../python/ast';
import { walkModule } from '../python/walk';
import { UnitMemo } from '../python/unitMemo';

type ForStmt = LoopStmt & { kind: 'for' };

export interface BatchUnit {
  /** `for … in range(a, b, step)`: the step may be a batch size. */
  rangeLoops: ForStmt[];
  /** `group["lr"] = …` in `for group in ….param_groups:`, once per target that writes the rate. */
  paramGroupRates: AssignStmt[];
  /** Assignments to attribute chains and subscripts (`args.lr = …`, `cfg["lr"] = …`), by `assignedTail` of the target. */
  attrAssigns: Map<string, { target: Expr; stmt: AssignStmt }[]>;
  /** `….add_argument(…)` calls (command-line options and their defaults). */
  addArguments: CallExpr[];
}

/**
 * The last part of an attribute chain or a subscript as written (`.lr`, `["lr"]`): equal for two expressions whose
 * text keys (TrainingBatches.textKey) are equal. `source` gives the text of a span.
 */
export function assignedTail(e: Expr, source: (e: Expr) => string): string | undefined {
  if (e.kind === 'attr') return `.${e.attr}`;
  if (e.kind === 'subscript' && e.index.length === 1 && (e.index[0].kind === 'string' || e.index[0].kind === 'number')) return `[${source(e.index[0])}]`;
  return undefined;
}

/** The name an attribute chain or a subscript starts from (`args` in `args.train.bs`). */
export function rootName(e: Expr): string | undefined {
  let cur = e;
  while (cur.kind === 'attr' || cur.kind === 'subscript') cur = cur.value;
  return cur.kind === 'name' ? cur.id : undefined;
}

/** Per statement: see BatchUnit. `text` is the whole text the statement was parsed from (for subscripts' indices). */
export const batchUnits = new UnitMemo<BatchUnit, string>((unit, text) => {
  const out: BatchUnit = { rangeLoops: [], paramGroupRates: [], attrAssigns: new Map(), addArguments: [] };
  const source = (e: Expr) => text.slice(e.from, e.to);
  walkModule(unit.stmts, {
    stmt: (s) => {
      if (s.kind === 'for') {
        if (s.iter.kind === 'call' && s.iter.func.kind === 'name' && s.iter.func.id === 'range' && s.iter.args.length === 3) out.rangeLoops.push(s as ForStmt);
        const g = paramGroupsLoopVar(s);
        if (g) paramGroupWrites(g, s.body, out.paramGroupRates);
      } else if (s.kind === 'assign' && s.value) {
        for (const t of s.targets) {
          if (t.kind !== 'attr' && t.kind !== 'subscript') continue;
          const tail = assignedTail(t, source);
          if (!tail) continue;
          const list = out.attrAssigns.get(tail);
          if (list) list.push({ target: t, stmt: s });
          else out.attrAssigns.set(tail, [{ target: t, stmt: s }]);
        }
      }
    },
  });
  for (const c of unit.calls) if (c.func.kind === 'attr' && c.func.attr === 'add_argument') out.addArguments.push(c);
  return out;
});

/** `g["lr"] = …` anywhere in a loop body over `g`. */
function paramGroupWrites(g: string, body: LoopStmt['body'], out: AssignStmt[]): void {
  walkModule(body, {
    stmt: (t) => {
      if (t.kind !== 'assign' || !t.value) return;
      for (const x of t.targets) {
        const c = lrStoreContainer(x);
        if (c?.kind === 'name' && c.id === g) out.push(t);
      }
    },
  });
}

/** The container an `["lr"]` store target writes to (`g` in `g["lr"] = …`), or undefined for any other target. */
export function lrStoreContainer(t: Expr): Expr | undefined {
  return t.kind === 'subscript' && t.index.length === 1 && t.index[0].kind === 'string' && t.index[0].value === 'lr' ? t.value : undefined;
}

/** `….param_groups`. */
export function isParamGroups(e: Expr): boolean {
  return e.kind === 'attr' && e.attr === 'param_groups';
}

/** The name a loop over an optimizer's param groups binds (`g` in `for g in optimizer.param_groups:`). */
export function paramGroupsLoopVar(s: Stmt): string | undefined {
  return s.kind === 'for' && s.target?.kind === 'name' && isParamGroups(s.iter) ? s.target.id : undefined;
}

/** Per statement: the names it reads or binds anywhere (a loader's name must be among them for it to use the loader). */
export const namesIn = new UnitMemo<Set<string>>((unit) => {
  const names = new Set<string>();
  walkModule(unit.stmts, {
    expr: (e) => {
      if (e.kind === 'name') names.add(e.id);
    },
  });
  return names;
});
