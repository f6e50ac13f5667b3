/**
 * How the value one statement binds to a name is read afterwards in its function: every read of the name from that
 * statement on, up to an assignment that certainly replaces the value (one on the same path: in the statement's own
 * block or a block around it, not in a branch entered after it). Used to ask whether a result goes on only to a few
 * kinds of use (a rule's question: the model's outputs).
 */
import { forEachChild, type CallExpr, type Expr, type Stmt } from './ast';
import { exprsOf, StmtWalker, walkModule } from './walk';

/**
 * How one read of the name is placed: as an argument of a call (possibly inside a list or tuple there), as the object
 * of a method call (`outs.append(x)`: `method`), an attribute read (`m.output`), called itself (`m(x)`), returned, or
 * anything else.
 */
export type ReadPlace =
  | { kind: 'argument'; call: CallExpr }
  | { kind: 'method'; call: CallExpr; name: string }
  | { kind: 'attribute'; name: string }
  | { kind: 'called'; call: CallExpr }
  | { kind: 'returned' }
  | { kind: 'other' };

/**
 * The reads of `id` after `stmt` in a function's body (or a module's), in source order, or undefined when they cannot
 * be listed: `stmt` is inside a loop there (a later iteration may read the value before the statement), or is not in it.
 */
export function readsAfter(body: readonly Stmt[], stmt: Stmt, id: string): ReadPlace[] | undefined {
  const w = new ReadsAfter(stmt, id);
  w.walk(body);
  return w.found && !w.inLoop ? w.reads : undefined;
}

class ReadsAfter extends StmtWalker {
  readonly reads: ReadPlace[] = [];
  found = false;
  inLoop = false;
  /** The value was replaced on the path after the statement: the rest of the current block does not read it. */
  private replaced = false;

  constructor(
    private readonly stmt: Stmt,
    private readonly id: string,
  ) {
    super();
  }

  protected override halted(): boolean {
    return this.replaced;
  }

  override walk(stmts: readonly Stmt[]): void {
    // A block entered after the statement may not run: what it replaces is replaced on its own path only.
    const branch = this.found;
    super.walk(stmts);
    if (branch) this.replaced = false;
  }

  override visit(s: Stmt): void {
    if (!this.found) {
      if (s === this.stmt) {
        this.found = true;
        return;
      }
      // Only the statements around it are entered before it is found.
      if (s.from <= this.stmt.from && this.stmt.to <= s.to) {
        if (s.kind === 'for' || s.kind === 'while') this.inLoop = true;
        super.visit(s);
      }
      return;
    }
    if (s.kind === 'def' || s.kind === 'class') {
      // A nested function or class may read it whenever it runs: any mention there is a read of no known place.
      walkModule([s], { expr: (e) => void (e.kind === 'name' && e.id === this.id && this.reads.push({ kind: 'other' })) });
      return;
    }
    for (const e of exprsOf(s)) {
      if (s.kind === 'assign' && s.targets.includes(e) && e.kind === 'name') continue;
      this.read(e, s.kind === 'return' ? { kind: 'returned' } : { kind: 'other' });
    }
    if (s.kind === 'assign' && s.targets.some((t) => t.kind === 'name' && t.id === this.id)) this.replaced = true;
    super.visit(s);
  }

  /** Records the reads of the name in `e`, placed as `place` says while only lists and tuples lie between. */
  private read(e: Expr, place: ReadPlace): void {
    if (e.kind === 'name') {
      if (e.id === this.id) this.reads.push(place);
      return;
    }
    if (e.kind === 'list' || e.kind === 'tuple') {
      for (const x of e.elts) this.read(x, place);
      return;
    }
    if (e.kind === 'attr' && e.value.kind === 'name') {
      if (e.value.id === this.id) this.reads.push({ kind: 'attribute', name: e.attr });
      return;
    }
    if (e.kind === 'call') {
      const f = e.func;
      if (f.kind === 'attr' && f.value.kind === 'name' && f.value.id === this.id) this.reads.push({ kind: 'method', call: e, name: f.attr });
      else if (f.kind === 'name' && f.id === this.id) this.reads.push({ kind: 'called', call: e });
      else this.read(f, { kind: 'other' });
      for (const a of e.args) this.read(a.value, a.star ? { kind: 'other' } : { kind: 'argument', call: e });
      return;
    }
    forEachChild(e, (c) => this.read(c, { kind: 'other' }));
  }
}
