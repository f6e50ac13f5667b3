/**
 * Offsets moved by an edit: the statements a re-parse keeps from the previous version of a document (see parse.ts)
 * stand where they stood, moved by the edit's change in length. Their trees are moved in place, every offset of
 * every node once (what a statement's lists of calls and products hold are nodes of its trees, nearly always; the
 * few others are gathered after the trees, with the nodes already gathered remembered).
 *
 * A statement kept once is usually kept again by the next edits (those before it in the file), so the places that
 * hold its offsets are gathered on its first move into flat lists, kept with its statement list: later moves only run
 * through the lists.
 */
import { forEachChild, type Arg, type NameExpr, type NumberExpr, type ConstExpr, type Param, type AssignStmt, type AugAssignStmt, type AttrExpr, type CallExpr, type ClassDef, type Expr, type ExprStmt, type FromImportStmt, type FunctionDef, type IfStmt, type LoopStmt, type OtherStmt, type ReturnStmt, type Span, type Stmt, type WithStmt } from './ast';
import { StmtWalker } from './walk';

/**
 * Every place that holds an offset in a statement list (its statements, the nodes below them, the spans in them). The
 * commonest nodes are listed by kind, each kind moved by a loop of its own: one shape of node per loop, where one loop
 * over nodes of every shape reads and writes their offsets through the runtime's slowest path.
 */
interface Offsets {
  readonly names: NameExpr[];
  /** Attributes (`attrFrom` besides their span). */
  readonly attrs: AttrExpr[];
  /** Calls (their parentheses and commas besides their span). */
  readonly calls: CallExpr[];
  /** Positional arguments. */
  readonly args: Arg[];
  /** Keyword arguments (`nameFrom` besides their span). */
  readonly keywords: Arg[];
  readonly numbers: NumberExpr[];
  readonly consts: ConstExpr[];
  readonly params: Param[];
  readonly assigns: AssignStmt[];
  /** Everything else with `from` and `to`: statements but assignments, other expressions, a `from` import's names. */
  readonly spans: Span[];
  /** Definitions (`nameFrom`, `bodyFrom` besides their span, which `spans` holds). */
  readonly heads: (FunctionDef | ClassDef)[];
}

/**
 * Every statement once, and the expressions each holds (the walker descends into the blocks). With `seen`, each
 * expression at most once: for the nodes a statement's lists hold outside its trees, gathered after the trees (a call
 * listed inside an f-string's field may hold another listed call).
 */
class Gatherer extends StmtWalker {
  readonly out: Offsets = { names: [], attrs: [], calls: [], args: [], keywords: [], numbers: [], consts: [], params: [], assigns: [], spans: [], heads: [] };

  constructor(private readonly seen?: Set<Expr>) {
    super();
  }

  readonly expr = (e: Expr): void => {
    if (this.seen) {
      if (this.seen.has(e)) return;
      this.seen.add(e);
    }
    const out = this.out;
    switch (e.kind) {
      case 'name':
        out.names.push(e);
        return;
      case 'number':
        out.numbers.push(e);
        return;
      case 'const':
        out.consts.push(e);
        return;
      case 'attr':
        out.attrs.push(e);
        break;
      case 'call':
        out.calls.push(e);
        for (const a of e.args) this.arg(a);
        break;
      default:
        out.spans.push(e);
    }
    forEachChild(e, this.expr);
  };

  private exprs(list: readonly Expr[]): void {
    for (const e of list) this.expr(e);
  }

  private arg(a: Arg): void {
    if (a.nameFrom !== undefined) this.out.keywords.push(a);
    else this.out.args.push(a);
  }

  override visit(s: Stmt): void {
    if (s.kind === 'assign') this.out.assigns.push(s);
    else this.out.spans.push(s);
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
    for (const n of s.names) this.out.spans.push(n);
  }

  protected override onOther(s: OtherStmt): void {
    this.exprs(s.exprs);
  }

  protected override onDef(s: FunctionDef): void {
    this.out.heads.push(s);
    this.exprs(s.decorators);
    for (const p of s.params) {
      this.out.params.push(p);
      if (p.default) this.expr(p.default);
      if (p.annotation) this.expr(p.annotation);
    }
    super.onDef(s);
  }

  protected override onClass(s: ClassDef): void {
    this.out.heads.push(s);
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
 * The places holding offsets in `stmts` (and the nodes below them), and in `loose`, the nodes a statement's lists
 * hold outside its trees (see StatementParser.detached), each node once.
 */
function gatherOffsets(stmts: readonly Stmt[], loose?: readonly (readonly Expr[])[]): Offsets {
  const g = new Gatherer(loose && new Set());
  g.walk(stmts);
  for (const list of loose ?? []) for (const e of list) g.expr(e);
  return g.out;
}

/** What was gathered of each statement list moved (the lists of a statement kept from version to version). */
const GATHERED = new WeakMap<readonly Stmt[], Offsets>();

/**
 * The offsets an edit moves, gathered from the statements kept after it, then moved all at once (`apply`): one call
 * running through every place, which the runtime optimises while it runs (a call per statement, each short, stays
 * unoptimised for the first edits of a document).
 */
export class OffsetShift {
  private readonly gathered: Offsets[] = [];
  private readonly lists: (readonly Span[])[] = [];

  /**
   * Moves every offset in `stmts` (and the nodes below them); and those of `loose`, the nodes a statement's lists
   * hold outside its trees (see StatementParser.detached), each node once. The places are gathered on the first move
   * of `stmts` and reused by the next: the trees must not change in between but for their offsets, and `loose` must
   * be the same lists.
   */
  statements(stmts: readonly Stmt[], loose?: readonly (readonly Expr[])[]): void {
    let o = GATHERED.get(stmts);
    if (!o) {
      o = gatherOffsets(stmts, loose);
      GATHERED.set(stmts, o);
    }
    this.gathered.push(o);
  }

  /** Moves these spans (comments, a `from` import's names). */
  spans(list: readonly Span[]): void {
    if (list.length) this.lists.push(list);
  }

  /**
   * Moves everything added by `d`, in place. (Nothing follows the loop over the statements: the runtime optimises the
   * call while in that loop, and would leave the optimised code at every call on reaching code after it that had not
   * run yet.)
   */
  apply(d: number): void {
    const lists = this.lists;
    for (let l = 0; l < lists.length; l++) shiftSpans(lists[l], d);
    const gathered = this.gathered;
    // The loops below are alike on purpose, and must stay apart: each is its own place in the code, where the runtime
    // records the one shape of node it meets (a shared loop or helper would meet them all).
    for (let g = 0; g < gathered.length; g++) {
      const o = gathered[g];
      const names = o.names;
      for (let i = 0; i < names.length; i++) {
        const n = names[i];
        n.from += d;
        n.to += d;
      }
      const attrs = o.attrs;
      for (let i = 0; i < attrs.length; i++) {
        const a = attrs[i];
        a.from += d;
        a.to += d;
        a.attrFrom += d;
      }
      const calls = o.calls;
      for (let i = 0; i < calls.length; i++) {
        const c = calls[i];
        c.from += d;
        c.to += d;
        c.openParen += d;
        c.closeParen += d;
        const commas = c.commas;
        for (let j = 0; j < commas.length; j++) commas[j] += d;
      }
      const args = o.args;
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        a.from += d;
        a.to += d;
      }
      const keywords = o.keywords;
      for (let i = 0; i < keywords.length; i++) {
        const k = keywords[i];
        k.from += d;
        k.to += d;
        k.nameFrom! += d;
      }
      const numbers = o.numbers;
      for (let i = 0; i < numbers.length; i++) {
        const n = numbers[i];
        n.from += d;
        n.to += d;
      }
      const consts = o.consts;
      for (let i = 0; i < consts.length; i++) {
        const c = consts[i];
        c.from += d;
        c.to += d;
      }
      const params = o.params;
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        p.from += d;
        p.to += d;
      }
      const assigns = o.assigns;
      for (let i = 0; i < assigns.length; i++) {
        const a = assigns[i];
        a.from += d;
        a.to += d;
      }
      shiftSpans(o.spans, d);
      const heads = o.heads;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        h.nameFrom += d;
        h.bodyFrom += d;
      }
    }
  }
}

/** Moves spans by `d`, in place. */
function shiftSpans(spans: readonly Span[], d: number): void {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    s.from += d;
    s.to += d;
  }
}
