/**
 * The one statement walker: every traversal of statements (building scopes, collecting returns, the data flow,
 * the rules' own surveys) is a StmtWalker that overrides what it needs. The default for each kind of statement
 * walks the blocks nested in it, in source order; `walk` stops early when `halted` says so (code after a
 * `return` on a path the flow analysis follows).
 */
import { forEachChild, type AssignStmt, type AugAssignStmt, type ClassDef, type Expr, type ExprStmt, type FromImportStmt, type FunctionDef, type IfStmt, type ImportStmt, type LoopStmt, type OtherStmt, type ReturnStmt, type Stmt, type TryStmt, type WithStmt } from './ast';

export class StmtWalker {
  /** Visits each statement of a block in order, until `halted`. */
  walk(stmts: readonly Stmt[]): void {
    for (const s of stmts) {
      if (this.halted()) break;
      this.visit(s);
    }
  }

  /** Whether the rest of the current block is skipped. */
  protected halted(): boolean {
    return false;
  }

  visit(s: Stmt): void {
    switch (s.kind) {
      case 'import':
        return this.onImport(s);
      case 'from':
        return this.onFrom(s);
      case 'assign':
        return this.onAssign(s);
      case 'augassign':
        return this.onAugAssign(s);
      case 'expr':
        return this.onExpr(s);
      case 'return':
        return this.onReturn(s);
      case 'def':
        return this.onDef(s);
      case 'class':
        return this.onClass(s);
      case 'if':
        return this.onIf(s);
      case 'for':
      case 'while':
        return this.onLoop(s);
      case 'with':
        return this.onWith(s);
      case 'try':
        return this.onTry(s);
      case 'other':
        return this.onOther(s);
    }
  }

  protected onImport(_s: ImportStmt): void {}
  protected onFrom(_s: FromImportStmt): void {}
  protected onAssign(_s: AssignStmt): void {}
  protected onAugAssign(_s: AugAssignStmt): void {}
  protected onExpr(_s: ExprStmt): void {}
  protected onReturn(_s: ReturnStmt): void {}
  protected onOther(_s: OtherStmt): void {}

  protected onDef(s: FunctionDef): void {
    this.walk(s.body);
  }

  protected onClass(s: ClassDef): void {
    this.walk(s.body);
  }

  protected onIf(s: IfStmt): void {
    this.walk(s.body);
    this.walk(s.orelse);
  }

  protected onLoop(s: LoopStmt): void {
    this.walk(s.body);
    this.walk(s.orelse);
  }

  protected onWith(s: WithStmt): void {
    this.walk(s.body);
  }

  protected onTry(s: TryStmt): void {
    this.walk(s.body);
    for (const h of s.handlers) this.walk(h);
    this.walk(s.orelse);
    this.walk(s.finalbody);
  }
}

/** The expressions a statement holds directly (not those of the statements nested in it), in source order. */
export function exprsOf(s: Stmt): Expr[] {
  switch (s.kind) {
    case 'assign':
      return s.value ? [...s.targets, s.value] : [...s.targets];
    case 'augassign':
      return [s.target, s.value];
    case 'expr':
      return [s.value];
    case 'return':
      return s.value ? [s.value] : [];
    case 'def':
      return [...s.decorators, ...s.params.flatMap((p) => (p.default ? [p.default] : []))];
    case 'class':
      return [...s.decorators, ...s.bases.map((b) => b.value)];
    case 'if':
      return [s.test];
    case 'for':
    case 'while':
      return s.target ? [s.target, s.iter] : [s.iter];
    case 'with':
      return s.items;
    case 'other':
      return s.exprs;
    default:
      return [];
  }
}

/** The value of every `return` of a function body (not of the functions or classes in it); `None` for a bare one. */
export function ownReturns(body: readonly Stmt[]): Expr[] {
  const c = new ReturnCollector();
  c.walk(body);
  return c.values;
}

class ReturnCollector extends StmtWalker {
  readonly values: Expr[] = [];

  protected override onReturn(s: ReturnStmt): void {
    this.values.push(s.value ?? { kind: 'const', value: 'None', from: s.from, to: s.to });
  }

  protected override onDef(): void {}

  protected override onClass(): void {}
}

/**
 * Visits every statement (depth first, in order) and every expression below them; `block` sees each statement list
 * (the body given, then every body, branch and handler) before its statements.
 */
export function walkModule(body: readonly Stmt[], visit: ModuleVisit): void {
  new ModuleWalker(visit).walk(body);
}

interface ModuleVisit {
  stmt?: (s: Stmt) => void;
  expr?: (e: Expr) => void;
  block?: (list: readonly Stmt[]) => void;
}

/** walkModule's walker: one class for every call (a class made per call costs more than walking a small block). */
class ModuleWalker extends StmtWalker {
  constructor(private readonly visitor: ModuleVisit) {
    super();
  }

  private readonly ex = (e: Expr): void => {
    this.visitor.expr?.(e);
    forEachChild(e, this.ex);
  };

  override walk(stmts: readonly Stmt[]): void {
    if (stmts.length) this.visitor.block?.(stmts);
    super.walk(stmts);
  }

  override visit(s: Stmt): void {
    this.visitor.stmt?.(s);
    if (this.visitor.expr) for (const e of exprsOf(s)) this.ex(e);
    super.visit(s);
  }
}
