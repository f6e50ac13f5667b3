/**
 * Offsets moved by an edit: the statements a re-parse keeps from the previous version of a document (see parse.ts)
 * stand where they stood, moved by the edit's change in length. Their trees are moved in place, every offset of
 * every node once: by a walk of the trees when what a statement's lists of calls and products hold are nodes of its
 * trees (nearly always), else by following every reference once.
 */
import { forEachChild, type Arg, type AssignStmt, type AugAssignStmt, type ClassDef, type Expr, type ExprStmt, type FromImportStmt, type FunctionDef, type IfStmt, type LoopStmt, type OtherStmt, type ReturnStmt, type Span, type Stmt, type WithStmt } from './ast';
import { StmtWalker } from './walk';

function shiftExpr(e: Expr, d: number): void {
  e.from += d;
  e.to += d;
  if (e.kind === 'attr') e.attrFrom += d;
  else if (e.kind === 'call') {
    e.openParen += d;
    e.closeParen += d;
    for (let i = 0; i < e.commas.length; i++) e.commas[i] += d;
    for (const a of e.args) shiftArg(a, d);
  }
  forEachChild(e, shiftExpr, d);
}

function shiftArg(a: Arg, d: number): void {
  a.from += d;
  a.to += d;
  if (a.nameFrom !== undefined) a.nameFrom += d;
}

function shiftExprs(list: readonly Expr[], d: number): void {
  for (const e of list) shiftExpr(e, d);
}

/** Every statement once, and the expressions each holds (the walker descends into the blocks). */
class Shifter extends StmtWalker {
  constructor(private readonly d: number) {
    super();
  }

  override visit(s: Stmt): void {
    s.from += this.d;
    s.to += this.d;
    super.visit(s);
  }

  protected override onAssign(s: AssignStmt): void {
    shiftExprs(s.targets, this.d);
    if (s.value) shiftExpr(s.value, this.d);
    if (s.annotation) shiftExpr(s.annotation, this.d);
  }

  protected override onAugAssign(s: AugAssignStmt): void {
    shiftExpr(s.target, this.d);
    shiftExpr(s.value, this.d);
  }

  protected override onExpr(s: ExprStmt): void {
    shiftExpr(s.value, this.d);
  }

  protected override onReturn(s: ReturnStmt): void {
    if (s.value) shiftExpr(s.value, this.d);
  }

  protected override onFrom(s: FromImportStmt): void {
    shiftSpans(s.names, this.d);
  }

  protected override onOther(s: OtherStmt): void {
    shiftExprs(s.exprs, this.d);
  }

  protected override onDef(s: FunctionDef): void {
    s.nameFrom += this.d;
    s.bodyFrom += this.d;
    shiftExprs(s.decorators, this.d);
    for (const p of s.params) {
      p.from += this.d;
      p.to += this.d;
      if (p.default) shiftExpr(p.default, this.d);
      if (p.annotation) shiftExpr(p.annotation, this.d);
    }
    super.onDef(s);
  }

  protected override onClass(s: ClassDef): void {
    s.nameFrom += this.d;
    s.bodyFrom += this.d;
    shiftExprs(s.decorators, this.d);
    for (const b of s.bases) {
      shiftArg(b, this.d);
      shiftExpr(b.value, this.d);
    }
    super.onClass(s);
  }

  protected override onIf(s: IfStmt): void {
    shiftExpr(s.test, this.d);
    super.onIf(s);
  }

  protected override onLoop(s: LoopStmt): void {
    if (s.target) shiftExpr(s.target, this.d);
    shiftExpr(s.iter, this.d);
    super.onLoop(s);
  }

  protected override onWith(s: WithStmt): void {
    shiftExprs(s.items, this.d);
    super.onWith(s);
  }
}

/** Moves every offset in `stmts` (and the nodes below them) by `d`, in place. */
export function shiftStatements(stmts: readonly Stmt[], d: number): void {
  new Shifter(d).walk(stmts);
}

/** Keys of the syntax tree that hold offsets (see ast.ts). */
const OFFSET_KEYS = new Set(['from', 'to', 'attrFrom', 'nameFrom', 'openParen', 'closeParen', 'bodyFrom']);

/**
 * Moves every offset of every node reachable from `roots` by `d`, each node once: for statements whose lists of
 * calls… hold nodes outside their trees (an f-string's fields), which a walk of the trees would miss. Iterative.
 */
export function shiftReachable(roots: readonly object[], d: number): void {
  const seen = new Set<object>();
  const stack: object[] = [...roots];
  while (stack.length) {
    const o = stack.pop()!;
    if (seen.has(o)) continue;
    seen.add(o);
    if (Array.isArray(o)) {
      for (const x of o) if (x && typeof x === 'object') stack.push(x as object);
      continue;
    }
    const rec = o as Record<string, unknown>;
    for (const k in rec) {
      const v = rec[k];
      if (typeof v === 'number') {
        if (OFFSET_KEYS.has(k)) rec[k] = v + d;
      } else if (k === 'commas') {
        const commas = v as number[];
        for (let i = 0; i < commas.length; i++) commas[i] += d;
      } else if (v && typeof v === 'object') stack.push(v);
    }
  }
}

/** Moves spans that are not nodes of a tree (comments, a `from` import's names) by `d`, in place. */
export function shiftSpans(spans: readonly Span[], d: number): void {
  for (const s of spans) {
    s.from += d;
    s.to += d;
  }
}
