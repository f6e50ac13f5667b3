/**
 * Offsets moved by an edit: the statements a re-parse keeps from the previous version of a document (see parse.ts)
 * stand where they stood, moved by the edit's change in length. Their trees are moved in place, every offset of
 * every node once (what a statement's lists of calls and products hold are nodes of its trees, nearly always; the
 * few others are walked after the trees, with the nodes already moved remembered).
 */
import { forEachChild, type Arg, type AssignStmt, type AugAssignStmt, type ClassDef, type Expr, type ExprStmt, type FromImportStmt, type FunctionDef, type IfStmt, type LoopStmt, type OtherStmt, type ReturnStmt, type Span, type Stmt, type WithStmt } from './ast';
import { StmtWalker } from './walk';

/**
 * Every statement once, and the expressions each holds (the walker descends into the blocks). With `seen`, each
 * expression at most once: for the nodes a statement's lists hold outside its trees, shifted after the trees (a call
 * listed inside an f-string's field may hold another listed call).
 */
class Shifter extends StmtWalker {
  constructor(
    private readonly d: number,
    private readonly seen?: Set<Expr>,
  ) {
    super();
  }

  readonly expr = (e: Expr): void => {
    if (this.seen) {
      if (this.seen.has(e)) return;
      this.seen.add(e);
    }
    const d = this.d;
    e.from += d;
    e.to += d;
    if (e.kind === 'attr') e.attrFrom += d;
    else if (e.kind === 'call') {
      e.openParen += d;
      e.closeParen += d;
      for (let i = 0; i < e.commas.length; i++) e.commas[i] += d;
      for (const a of e.args) this.arg(a);
    }
    forEachChild(e, this.expr);
  };

  private exprs(list: readonly Expr[]): void {
    for (const e of list) this.expr(e);
  }

  private arg(a: Arg): void {
    a.from += this.d;
    a.to += this.d;
    if (a.nameFrom !== undefined) a.nameFrom += this.d;
  }

  override visit(s: Stmt): void {
    s.from += this.d;
    s.to += this.d;
    super.visit(s);
  }

  protected override onAssign(s: AssignStmt): void {
    this.exprs(s.targets);
    if (s.value) this.expr(s.value);
    if (s.annotation) this.expr(s.annotation);
  }

  protected override onAugAssign(s: AugAssignStmt): void {
    this.expr(s.target);
    this.expr(s.value);
  }

  protected override onExpr(s: ExprStmt): void {
    this.expr(s.value);
  }

  protected override onReturn(s: ReturnStmt): void {
    if (s.value) this.expr(s.value);
  }

  protected override onFrom(s: FromImportStmt): void {
    shiftSpans(s.names, this.d);
  }

  protected override onOther(s: OtherStmt): void {
    this.exprs(s.exprs);
  }

  protected override onDef(s: FunctionDef): void {
    s.nameFrom += this.d;
    s.bodyFrom += this.d;
    this.exprs(s.decorators);
    for (const p of s.params) {
      p.from += this.d;
      p.to += this.d;
      if (p.default) this.expr(p.default);
      if (p.annotation) this.expr(p.annotation);
    }
    super.onDef(s);
  }

  protected override onClass(s: ClassDef): void {
    s.nameFrom += this.d;
    s.bodyFrom += this.d;
    this.exprs(s.decorators);
    for (const b of s.bases) {
      this.arg(b);
      this.expr(b.value);
    }
    super.onClass(s);
  }

  protected override onIf(s: IfStmt): void {
    this.expr(s.test);
    super.onIf(s);
  }

  protected override onLoop(s: LoopStmt): void {
    if (s.target) this.expr(s.target);
    this.expr(s.iter);
    super.onLoop(s);
  }

  protected override onWith(s: WithStmt): void {
    this.exprs(s.items);
    super.onWith(s);
  }
}

/**
 * Moves every offset in `stmts` (and the nodes below them) by `d`, in place; and those of `loose`, the nodes a
 * statement's lists hold outside its trees (see StatementParser.detached), each node once.
 */
export function shiftStatements(stmts: readonly Stmt[], d: number, loose?: readonly (readonly Expr[])[]): void {
  const shifter = new Shifter(d, loose && new Set());
  shifter.walk(stmts);
  for (const list of loose ?? []) for (const e of list) shifter.expr(e);
}

/** Moves spans that are not nodes of a tree (comments, a `from` import's names) by `d`, in place. */
export function shiftSpans(spans: readonly Span[], d: number): void {
  for (const s of spans) {
    s.from += d;
    s.to += d;
  }
}
