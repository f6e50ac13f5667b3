/**
 * Simple statements (one logical line, `;`-separated): expressions and assignments (plain, augmented, annotated),
 * `return`, `raise`, `pass`, `break`, `continue`, `del`, `assert`, `global`, `nonlocal`, imports (`__future__`
 * features checked) and `type` aliases, with the compiler's checks on where they may be.
 */
import type { Expr, NameExpr, Stmt } from './ast';
import { startsExpression } from './expressions';
import { PatternParser } from './patterns';
import { isAugAssign, T } from './tokens';

/** `from __future__ import …` features (3.8–3.13). */
const FUTURE_FEATURES = new Set(['nested_scopes', 'generators', 'division', 'absolute_import', 'with_statement', 'print_function', 'unicode_literals', 'barry_as_FLUFL', 'generator_stop', 'annotations']);

export abstract class SimpleStatementParser extends PatternParser {
  /** Loops and `except*` handlers around the current statement, within its function (for break / continue / return). */
  protected blocks: ('loop' | 'exceptstar')[] = [];

  /** `small (; small)* [;] NEWLINE`: appends the statements. */
  protected simpleStatements(out: Stmt[]): void {
    for (;;) {
      const first = this.tk;
      out.push(this.smallStatement());
      this.scopes.flush();
      if (this.eat(T.SEMI)) {
        if (this.at(T.NEWLINE) || this.at(T.EOF)) break;
        continue;
      }
      if (!this.at(T.NEWLINE) && !this.at(T.EOF)) this.fail(this.legacyStatement(first) ?? this.unexpected());
      break;
    }
    this.eat(T.NEWLINE);
  }

  /** `print x` / `exec x`: Python 2 statements, named as Python 3 names them. */
  private legacyStatement(first: number): string | undefined {
    if (this.tk !== first + 1 || this.tokens.kind[first] !== T.NAME || !startsExpression(this.kind())) return undefined;
    const name = this.text.slice(this.tokens.start[first], this.tokens.end[first]);
    return name === 'print' || name === 'exec' ? `Missing parentheses in call to '${name}'. Did you mean ${name}(...)?` : undefined;
  }

  private smallStatement(): Stmt {
    const from = this.startOf();
    const k = this.kind();
    switch (k) {
      case T.Pass:
        this.advance();
        return { kind: 'other', what: 'PassStatement', exprs: [], from, to: this.prevEnd() };
      case T.Break:
      case T.Continue: {
        this.advance();
        const what = k === T.Break ? 'break' : 'continue';
        const inner = this.innermostBlock();
        if (inner === 'exceptstar') this.compileError("'break', 'continue' and 'return' cannot appear in an except* block", from, this.prevEnd());
        else if (!inner) this.compileError(what === 'break' ? "'break' outside loop" : "'continue' not properly in loop", from, this.prevEnd());
        return { kind: 'other', what: k === T.Break ? 'BreakStatement' : 'ContinueStatement', exprs: [], from, to: this.prevEnd() };
      }
      case T.Return:
        return this.returnStatement();
      case T.Raise:
        return this.raiseStatement();
      case T.Global:
      case T.Nonlocal:
        return this.scopeStatement(k === T.Global);
      case T.Del:
        return this.delStatement();
      case T.Assert:
        return this.assertStatement();
      case T.Import:
        return this.importStatement();
      case T.From:
        return this.fromImport();
      default:
        if (this.isName('type') && this.kind(1) === T.NAME && (this.kind(2) === T.EQUAL || this.kind(2) === T.LSQB)) return this.typeAlias();
        return this.expressionStatement();
    }
  }

  /** The innermost loop or `except*` handler of the current function. */
  private innermostBlock(): 'loop' | 'exceptstar' | undefined {
    return this.blocks.length ? this.blocks[this.blocks.length - 1] : undefined;
  }

  private returnStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    let value: Expr | undefined;
    if (startsExpression(this.kind()) || this.at(T.STAR)) {
      value = this.starExpressions();
      this.checkNoBareStar(value);
    }
    const to = this.prevEnd();
    const fn = this.scopes.current;
    if (fn.kind !== 'function') this.compileError("'return' outside function", from, to);
    else {
      if (this.blocks.includes('exceptstar')) this.compileError("'break', 'continue' and 'return' cannot appear in an except* block", from, to);
      if (value && !fn.returnValueAt) fn.returnValueAt = [from, to];
    }
    return { kind: 'return', value, from, to };
  }

  private raiseStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    const exprs: Expr[] = [];
    if (this.at(T.From)) this.fail("did you forget an expression between 'raise' and 'from'?", from, this.endOf());
    if (startsExpression(this.kind())) {
      exprs.push(this.expression());
      if (this.eat(T.From)) {
        if (!startsExpression(this.kind())) this.fail("did you forget an expression after 'from'?", this.prevEnd() - 4, this.prevEnd());
        exprs.push(this.expression());
      }
    }
    return { kind: 'other', what: 'RaiseStatement', exprs, from, to: this.prevEnd() };
  }

  private scopeStatement(global: boolean): Stmt {
    const from = this.startOf();
    this.advance();
    const exprs: NameExpr[] = [];
    do {
      if (!this.at(T.NAME)) this.fail(this.unexpected());
      const name: NameExpr = { kind: 'name', id: this.tokenText(), from: this.startOf(), to: this.endOf() };
      this.advance();
      exprs.push(name);
    } while (this.eat(T.COMMA));
    if (global && this.scopes.current.kind === 'module') this.moduleGlobal = true;
    for (const n of exprs) this.scopes.declare(n.id, n.from, n.to, global);
    return { kind: 'other', what: 'ScopeStatement', exprs, from, to: this.prevEnd() };
  }

  private delStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    const value = this.starExpressions();
    const targets = value.kind === 'tuple' && value.elts.length && value.from === this.fromOf(value.elts[0]) ? value.elts : [value];
    for (const t of targets) this.checkTarget(t, 'delete');
    return { kind: 'other', what: 'DeleteStatement', exprs: targets, from, to: this.prevEnd() };
  }

  private assertStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    const exprs = [this.expression()];
    if (this.at(T.EQUAL)) this.fail(`cannot assign to ${this.exprName(exprs[0])} here. Maybe you meant '==' instead of '='?`, exprs[0].from, exprs[0].to);
    if (this.eat(T.COMMA)) exprs.push(this.expression());
    return { kind: 'other', what: 'AssertStatement', exprs, from, to: this.prevEnd() };
  }

  /** A dotted module name; its parts. */
  private dottedName(): string[] {
    const parts: string[] = [];
    do {
      if (!this.at(T.NAME)) this.fail(this.unexpected());
      parts.push(this.tokenText());
      this.advance();
    } while (this.eat(T.DOT));
    return parts;
  }

  private importStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    if (this.at(T.NEWLINE)) this.fail("Expected one or more names after 'import'");
    const names: { module: string; asname?: string }[] = [];
    do {
      const nameFrom = this.startOf();
      const parts = this.dottedName();
      let asname: string | undefined;
      if (this.eat(T.As)) {
        if (!this.at(T.NAME)) this.fail(this.unexpected());
        asname = this.tokenText();
        this.advance();
      }
      const bound = asname ?? parts[0];
      this.checkBindable(bound, nameFrom, this.prevEnd());
      this.scopes.bind(bound, nameFrom, this.prevEnd());
      names.push({ module: parts.join('.'), asname });
    } while (this.eat(T.COMMA));
    if (this.at(T.From)) this.fail("Did you mean to use 'from ... import ...' instead?", from, this.endOf());
    return { kind: 'import', names, from, to: this.prevEnd() };
  }

  private fromImport(): Stmt {
    const from = this.startOf();
    this.advance();
    let level = 0;
    while (this.at(T.DOT) || this.at(T.ELLIPSIS)) {
      level += this.at(T.ELLIPSIS) ? 3 : 1;
      this.advance();
    }
    const module = this.at(T.Import) && level ? [] : this.dottedName();
    this.expect(T.Import);
    const names: { name: string; asname?: string; from: number; to: number }[] = [];
    if (this.at(T.STAR)) {
      names.push({ name: '*', from: this.startOf(), to: this.endOf() });
      this.advance();
      if (this.scopes.current.kind !== 'module') this.compileError('import * only allowed at module level', from, this.prevEnd());
    } else {
      const paren = this.eat(T.LPAR);
      if (paren) this.brackets++;
      do {
        if (paren && this.at(T.RPAR) && names.length) break;
        if (!this.at(T.NAME)) this.fail(this.at(T.NEWLINE) && !names.length ? "Expected one or more names after 'import'" : this.unexpected());
        const nameFrom = this.startOf();
        const name = this.tokenText();
        this.advance();
        let asname: string | undefined;
        if (this.eat(T.As)) {
          if (!this.at(T.NAME)) this.fail(this.unexpected());
          asname = this.tokenText();
          this.advance();
        }
        this.checkBindable(asname ?? name, nameFrom, this.prevEnd());
        this.scopes.bind(asname ?? name, nameFrom, this.prevEnd());
        names.push({ name, asname, from: nameFrom, to: this.prevEnd() });
        if (!paren && this.at(T.COMMA) && (this.kind(1) === T.NEWLINE || this.kind(1) === T.EOF || this.kind(1) === T.SEMI)) {
          this.fail('trailing comma not allowed without surrounding parentheses');
        }
      } while (this.eat(T.COMMA));
      if (paren) {
        this.expect(T.RPAR);
        this.brackets--;
      }
    }
    const stmt: Stmt = { kind: 'from', module: module.join('.'), level, names, from, to: this.prevEnd() };
    if (level === 0 && stmt.module === '__future__') {
      this.futures.push({ from, to: stmt.to });
      for (const n of names) {
        if (n.name === 'braces') this.compileError('not a chance', n.from, n.to);
        else if (!FUTURE_FEATURES.has(n.name)) this.compileError(`future feature ${n.name} is not defined`, n.from, n.to);
        else if (n.name === 'barry_as_FLUFL' && this.scopes.current.kind === 'module') this.flufl = true;
      }
    }
    return stmt;
  }

  /** `type Name[T] = value` (3.12). */
  private typeAlias(): Stmt {
    const from = this.startOf();
    this.advance();
    const name: NameExpr = { kind: 'name', id: this.tokenText(), from: this.startOf(), to: this.endOf() };
    this.advance();
    this.scopes.bind(name.id, name.from, name.to);
    if (this.at(T.LSQB)) this.typeParams();
    this.expect(T.EQUAL);
    const value = this.expression();
    return { kind: 'other', what: 'TypeDefinition', exprs: [name, value], from, to: this.prevEnd() };
  }

  /** An expression statement, or an assignment (plain, chained, augmented or annotated). */
  private expressionStatement(): Stmt {
    const from = this.startOf();
    if (this.at(T.Yield)) {
      const y = this.yieldExpression();
      if (this.at(T.EQUAL)) this.fail('assignment to yield expression not possible', y.from, y.to);
      return { kind: 'other', what: 'YieldStatement', exprs: y.kind === 'other' ? y.children : [], from, to: this.prevEnd() };
    }
    if (!startsExpression(this.kind()) && !this.at(T.STAR)) this.fail(this.unexpected());
    const first = this.starExpressions();
    const k = this.kind();
    if (k === T.COLON) return this.annotated(first);
    if (isAugAssign(k)) {
      if (first.kind !== 'name' && first.kind !== 'attr' && first.kind !== 'subscript') {
        this.fail(`'${this.exprName(first)}' is an illegal expression for augmented assignment`, first.from, first.to);
      }
      if (first.kind === 'name') this.checkTarget(first, 'assign');
      const op = this.tokenText();
      this.advance();
      const value = this.rightHandSide();
      return { kind: 'augassign', target: first, op, value, from, to: this.prevEnd() };
    }
    if (k !== T.EQUAL) {
      this.checkNoBareStar(first);
      return { kind: 'expr', value: first, from, to: this.prevEnd() };
    }
    const exprs = [first];
    while (this.eat(T.EQUAL)) exprs.push(this.rightHandSide());
    const value = exprs.pop()!;
    for (let i = 0; i < exprs.length; i++) this.assignTarget(exprs[i], i === exprs.length - 1 ? value : undefined);
    return { kind: 'assign', targets: exprs, value, from, to: this.prevEnd() };
  }

  /** `yield …` or a star-expression list (a bare `*x` is refused). */
  private rightHandSide(): Expr {
    if (this.at(T.Yield)) return this.yieldExpression();
    if (!startsExpression(this.kind()) && !this.at(T.STAR)) this.fail(this.unexpected());
    const e = this.starExpressions();
    if (!this.at(T.EQUAL)) this.checkNoBareStar(e);
    return e;
  }

  /** One `=` target, with Python's message when it cannot be one. */
  private assignTarget(t: Expr, value: Expr | undefined): void {
    if (t.kind === 'other' && t.what === 'YieldExpression') this.fail('assignment to yield expression not possible', t.from, t.to);
    const bad = this.invalidTarget(t, false);
    if (bad && bad === t && bad.kind !== 'const' && bad.kind !== 'name' && value) {
      this.fail(`cannot assign to ${this.exprName(bad)} here. Maybe you meant '==' instead of '='?`, bad.from, bad.to);
    }
    this.checkTarget(t, 'assign');
  }

  /** `target: annotation [= value]`. */
  private annotated(target: Expr): Stmt {
    const from = target.from;
    const parenthesized = this.text.charCodeAt(target.from) === 40;
    if (target.kind === 'tuple' || target.kind === 'list') {
      this.fail(`only single target (not ${target.kind}) can be annotated`, target.from, target.to);
    }
    if (target.kind !== 'name' && target.kind !== 'attr' && target.kind !== 'subscript') this.fail('illegal target for annotation', target.from, target.to);
    this.advance();
    const annotation = this.expression();
    let value: Expr | undefined;
    if (this.eat(T.EQUAL)) value = this.rightHandSide();
    if (target.kind === 'name') {
      this.checkBindable(target.id, target.from, target.to);
      this.scopes.bind(target.id, target.from, target.to, parenthesized ? 'plain' : 'annotated');
    }
    return { kind: 'assign', targets: [target], value, annotation, from, to: this.prevEnd() };
  }
}
