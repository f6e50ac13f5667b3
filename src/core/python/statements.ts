/**
 * Compound statements (`if`, `while`, `for`, `try`, `with`, `def`, `class`, decorators, `match`), blocks, and
 * recovery: a statement that does not parse is reported and skipped to the end of its logical line; if it opened
 * a block, the block is still read, so that what it holds is analysed.
 */
import type { ClassDef, Expr, FunctionDef, IfStmt, Stmt } from './ast';
import { SimpleStatementParser } from './simple';
import { ParseError } from './syntax';
import { T } from './tokens';

export class StatementParser extends SimpleStatementParser {
  /** Whether the whole text has been read. */
  atEnd(): boolean {
    return this.at(T.EOF);
  }

  /** One top-level statement (or a recovered one), appended to `out`. */
  topLevel(out: Stmt[]): void {
    this.statement(out);
    this.scopes.resolveNonlocals();
  }

  /** Offset of the next token, and whether a top-level statement starts there on a clean line. */
  position(): { offset: number; clean: boolean } {
    this.kind();
    return { offset: this.startOf(), clean: this.tk < this.tokens.count && this.tokens.clean[this.tk] === 1 };
  }

  /** End of the last token read (not counting line ends and dedents). */
  consumedEnd(): number {
    return this.contentEnd();
  }

  private statements(out: Stmt[]): void {
    while (!this.at(T.DEDENT) && !this.at(T.EOF)) this.statement(out);
  }

  /** One statement, recovering from a syntax error in it. */
  private statement(out: Stmt[]): void {
    const start = this.tk;
    const scope = this.scopes.current;
    const brackets = this.brackets;
    const fields = this.fields;
    const blocks = this.blocks;
    try {
      this.statementAt(out);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      this.scopes.current = scope;
      this.brackets = brackets;
      this.fields = fields;
      this.blocks = blocks;
      this.scopes.flush();
      this.recover(out, start);
    }
  }

  /**
   * After a statement that did not parse: skip the rest of its logical line, but not past its physical line when
   * it leaves brackets open (the next line starts again as a new statement); read the block it opened, if any.
   */
  private recover(out: Stmt[], start: number): void {
    for (let i = this.tk; ; i++) {
      const k = this.kind(i - this.tk);
      if (k === T.NEWLINE || k === T.EOF || k === T.INDENT || k === T.DEDENT) {
        this.tk = i;
        break;
      }
      if (i > start && this.tokens.startsLine(i)) {
        this.tokens.resync(i);
        this.tk = i;
        break;
      }
    }
    if (!this.eat(T.NEWLINE) && this.tk === start && !this.at(T.EOF)) this.advance();
    if (this.at(T.INDENT)) {
      this.advance();
      this.statements(out);
      this.eat(T.DEDENT);
    }
  }

  private statementAt(out: Stmt[]): void {
    const from = this.startOf();
    switch (this.kind()) {
      case T.INDENT:
        this.report('unexpected indent', from, this.lineEnd(from));
        this.advance();
        this.statements(out);
        this.eat(T.DEDENT);
        return;
      case T.NEWLINE:
        this.advance();
        return;
      case T.If:
        out.push(this.ifStatement());
        return;
      case T.While:
        out.push(this.whileStatement());
        return;
      case T.For:
        out.push(this.forStatement(from, false));
        return;
      case T.Try:
        out.push(this.tryStatement());
        return;
      case T.With:
        out.push(this.withStatement(from, false));
        return;
      case T.Def:
        out.push(this.funcDef([], from, false));
        return;
      case T.Class:
        out.push(this.classDef([], from));
        return;
      case T.AT:
        out.push(this.decorated());
        return;
      case T.Async:
        out.push(this.asyncStatement([], from));
        return;
      default:
        if (this.isName('match') && this.isMatchStatement()) out.push(this.matchStatement());
        else this.simpleStatements(out);
    }
  }

  private lineEnd(from: number): number {
    let i = from;
    while (i < this.text.length && this.text.charCodeAt(i) !== 10 && this.text.charCodeAt(i) !== 13) i++;
    return i;
  }

  /** End of the last token read that is not a NEWLINE, INDENT or DEDENT (where a compound statement ends). */
  private contentEnd(): number {
    let i = this.tk - 1;
    while (i > 0) {
      const k = this.tokens.kind[i];
      if (k !== T.NEWLINE && k !== T.INDENT && k !== T.DEDENT && k !== T.EOF) break;
      i--;
    }
    return i >= 0 ? this.tokens.end[i] : 0;
  }

  /**
   * `:` and the block after a header (`what` names the header in the message when the block is missing).
   * `test` is the header's condition, for the message when `=` stands where `==` was meant.
   */
  private block(what: string, headerFrom: number, test?: Expr): { body: Stmt[]; bodyFrom: number } {
    if (!this.at(T.COLON)) {
      if (this.at(T.EQUAL) && test) {
        if (test.kind === 'name') this.fail("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", test.from, this.endOf());
        this.fail(`cannot assign to ${this.exprName(test)} here. Maybe you meant '==' instead of '='?`, test.from, test.to);
      }
      this.fail("expected ':'");
    }
    const bodyFrom = this.startOf();
    this.advance();
    this.scopes.flush();
    const body: Stmt[] = [];
    if (this.eat(T.NEWLINE)) {
      if (!this.at(T.INDENT)) {
        const at = this.startOf();
        this.report(`expected an indented block after ${what} on line ${this.lineOf(headerFrom)}`, at, Math.max(at, this.lineEnd(at)));
        return { body, bodyFrom };
      }
      this.advance();
      this.statements(body);
      this.eat(T.DEDENT);
    } else this.simpleStatements(body);
    return { body, bodyFrom };
  }

  /** The body of a loop (break and continue belong to it). */
  private loopBlock(what: string, headerFrom: number, test?: Expr): Stmt[] {
    const saved = this.blocks;
    this.blocks = [...saved, 'loop'];
    try {
      return this.block(what, headerFrom, test).body;
    } finally {
      this.blocks = saved;
    }
  }

  private ifStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    const test = this.namedExpression();
    const body = this.block("'if' statement", from, test).body;
    const clauses: { test: Expr; body: Stmt[]; from: number }[] = [];
    while (this.at(T.Elif)) {
      const at = this.startOf();
      this.advance();
      const t = this.namedExpression();
      clauses.push({ test: t, body: this.block("'elif' statement", at, t).body, from: at });
    }
    let orelse: Stmt[] = [];
    if (this.at(T.Else)) {
      const at = this.startOf();
      this.advance();
      orelse = this.block("'else' statement", at).body;
      if (this.at(T.Elif)) this.fail("'elif' block follows an 'else' block");
    }
    const to = this.contentEnd();
    for (let i = clauses.length - 1; i >= 0; i--) {
      const c = clauses[i];
      const nested: IfStmt = { kind: 'if', test: c.test, body: c.body, orelse, from: c.from, to };
      orelse = [nested];
    }
    return { kind: 'if', test, body, orelse, from, to };
  }

  private elseBlock(): Stmt[] {
    if (!this.at(T.Else)) return [];
    const at = this.startOf();
    this.advance();
    return this.block("'else' statement", at).body;
  }

  private whileStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    const test = this.namedExpression();
    const body = this.loopBlock("'while' statement", from, test);
    const orelse = this.elseBlock();
    return { kind: 'while', target: undefined, iter: test, body, orelse, from, to: this.contentEnd() };
  }

  private forStatement(from: number, async: boolean): Stmt {
    const at = this.startOf();
    this.advance();
    if (async) this.requireAsync("'async for' outside async function", from, this.prevEnd());
    const targets = this.targetList();
    const target: Expr = targets.length === 1 && !this.at(T.COMMA) ? targets[0] : { kind: 'tuple', elts: targets, from: targets[0].from, to: targets[targets.length - 1].to };
    if (!this.at(T.In)) {
      const bad = this.invalidTarget(target, false);
      if (bad) this.fail(`cannot assign to ${this.exprName(bad)}`, bad.from, bad.to);
      this.fail(this.unexpected());
    }
    this.advance();
    this.checkTarget(target, 'assign');
    const iter = this.starExpressions();
    this.checkNoBareStar(iter);
    const body = this.loopBlock("'for' statement", at);
    const orelse = this.elseBlock();
    return { kind: 'for', target, iter, body, orelse, from, to: this.contentEnd() };
  }

  /** `async for` / `async with` only in an async function (or at the top level of a notebook's cells). */
  private requireAsync(message: string, from: number, to: number): void {
    if (!this.scopes.mayAwait(this.scopes.current)) this.compileError(message, from, to);
  }

  private tryStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    const body = this.block("'try' statement", from).body;
    const handlers: Stmt[][] = [];
    let plain = false;
    let star = false;
    let bareAt = -1;
    while (this.at(T.Except)) {
      const at = this.startOf();
      this.advance();
      const isStar = this.eat(T.STAR);
      if ((isStar && plain) || (!isStar && star)) this.fail("cannot have both 'except' and 'except*' on the same 'try'", at, this.prevEnd());
      if (bareAt >= 0) this.compileError("default 'except:' must be last", bareAt, bareAt + 6);
      if (isStar) star = true;
      else plain = true;
      if (this.at(T.COLON) || this.at(T.NEWLINE)) {
        if (isStar) this.fail('expected one or more exception types');
        bareAt = at;
      } else {
        const type = this.outsideTree(() => this.expression());
        if (this.at(T.COMMA)) this.fail('multiple exception types must be parenthesized', type.from, this.endOf());
        if (this.eat(T.As)) {
          if (!this.at(T.NAME)) this.fail(this.unexpected());
          if (this.kind(1) !== T.COLON && this.kind(1) !== T.NEWLINE) {
            const t = this.bitwiseOr();
            this.fail(`cannot use except${isStar ? '*' : ''} statement with ${this.exprName(t)}`, t.from, t.to);
          }
          this.scopes.bind(this.tokenText(), this.startOf(), this.endOf());
          this.advance();
        }
      }
      const saved = this.blocks;
      if (isStar) this.blocks = [...saved, 'exceptstar'];
      try {
        handlers.push(this.block(isStar ? "'except*' statement" : "'except' statement", at).body);
      } finally {
        this.blocks = saved;
      }
    }
    let orelse: Stmt[] = [];
    if (this.at(T.Else)) {
      if (!handlers.length) this.fail("expected 'except' or 'finally' block");
      orelse = this.elseBlock();
    }
    let finalbody: Stmt[] = [];
    if (this.at(T.Finally)) {
      const at = this.startOf();
      this.advance();
      finalbody = this.block("'finally' statement", at).body;
    } else if (!handlers.length) this.report("expected 'except' or 'finally' block", this.startOf(), this.endOf());
    return { kind: 'try', body, handlers, orelse, finalbody, from, to: this.contentEnd() };
  }

  private withStatement(from: number, async: boolean): Stmt {
    const at = this.startOf();
    this.advance();
    if (async) this.requireAsync("'async with' outside async function", from, this.prevEnd());
    const items: Expr[] = [];
    if (this.at(T.LPAR) && this.parenthesizedItems()) {
      this.advance();
      this.brackets++;
      do {
        if (this.at(T.RPAR) && items.length) break;
        this.withItem(items);
      } while (this.eat(T.COMMA));
      this.expect(T.RPAR);
      this.brackets--;
    } else {
      do this.withItem(items);
      while (this.eat(T.COMMA) && !this.at(T.COLON));
      if (this.tokens.kind[this.tk - 1] === T.COMMA) this.fail("the last 'with' item has a trailing comma", this.prevEnd() - 1, this.prevEnd());
    }
    const body = this.block("'with' statement", at).body;
    return { kind: 'with', items, body, from, to: this.contentEnd() };
  }

  /** `with (a as b, c):` (3.9+): the parentheses hold the items when a `:` follows the matching `)`. */
  private parenthesizedItems(): boolean {
    if (this.kind(1) === T.Yield) return false;
    let depth = 0;
    for (let i = 0; ; i++) {
      const k = this.kind(i);
      if (k === T.LPAR || k === T.LSQB || k === T.LBRACE) depth++;
      else if (k === T.RPAR || k === T.RSQB || k === T.RBRACE) {
        if (--depth === 0) return this.kind(i + 1) === T.COLON;
      } else if (k === T.NEWLINE || k === T.EOF) return false;
    }
  }

  private withItem(items: Expr[]): void {
    items.push(this.expression());
    if (!this.eat(T.As)) return;
    let target: Expr;
    if (this.at(T.STAR)) {
      const from = this.startOf();
      this.advance();
      const value = this.bitwiseOr();
      target = { kind: 'starred', double: false, value, from, to: value.to };
    } else target = this.bitwiseOr();
    if (!this.at(T.COMMA) && !this.at(T.RPAR) && !this.at(T.COLON)) this.fail(this.unexpected());
    this.checkTarget(target, 'assign');
    items.push(target);
  }

  private asyncStatement(decorators: Expr[], from: number): Stmt {
    const k = this.kind(1);
    if (k === T.Def) {
      this.advance();
      return this.funcDef(decorators, from, true);
    }
    if (decorators.length) this.fail(this.unexpected());
    if (k === T.For) {
      this.advance();
      return this.forStatement(from, true);
    }
    if (k === T.With) {
      this.advance();
      return this.withStatement(from, true);
    }
    return this.fail('invalid syntax');
  }

  private decorated(): Stmt {
    const from = this.startOf();
    const decorators: Expr[] = [];
    while (this.eat(T.AT)) {
      decorators.push(this.namedExpression());
      if (!this.at(T.NEWLINE)) this.fail(this.unexpected());
      this.advance();
      this.scopes.flush();
    }
    if (this.at(T.Def)) return this.funcDef(decorators, from, false);
    if (this.at(T.Class)) return this.classDef(decorators, from);
    if (this.at(T.Async)) return this.asyncStatement(decorators, from);
    return this.fail(this.unexpected());
  }

  private funcDef(decorators: Expr[], from: number, async: boolean): FunctionDef {
    const at = this.startOf();
    this.advance();
    if (!this.at(T.NAME)) this.fail(this.unexpected());
    const nameFrom = this.startOf();
    const name = this.tokenText();
    this.advance();
    this.checkBindable(name, nameFrom, nameFrom + name.length);
    if (this.at(T.LSQB)) this.typeParams();
    this.expect(T.LPAR, "expected '('");
    const params = this.parameters(T.RPAR, true);
    this.expect(T.RPAR);
    if (this.eat(T.RARROW)) this.expression();
    this.scopes.bind(name, nameFrom, nameFrom + name.length);
    const scope = this.scopes.enter('function');
    scope.async = async;
    this.bindParams(params);
    const saved = this.blocks;
    this.blocks = [];
    try {
      const { body, bodyFrom } = this.block('function definition', at);
      return { kind: 'def', name, nameFrom, params, decorators, body, bodyFrom, from, to: this.contentEnd() };
    } finally {
      this.blocks = saved;
      this.scopes.exit();
    }
  }

  private classDef(decorators: Expr[], from: number): ClassDef {
    const at = this.startOf();
    this.advance();
    if (!this.at(T.NAME)) this.fail(this.unexpected());
    const nameFrom = this.startOf();
    const name = this.tokenText();
    this.advance();
    this.checkBindable(name, nameFrom, nameFrom + name.length);
    if (this.at(T.LSQB)) this.typeParams();
    let bases: ClassDef['bases'] = [];
    if (this.at(T.LPAR)) {
      const open = this.startOf();
      this.advance();
      bases = this.argumentList(open).args;
    }
    this.scopes.bind(name, nameFrom, nameFrom + name.length);
    this.scopes.enter('class');
    const saved = this.blocks;
    this.blocks = [];
    try {
      const { body, bodyFrom } = this.block('class definition', at);
      return { kind: 'class', name, nameFrom, bases, decorators, body, bodyFrom, from, to: this.contentEnd() };
    } finally {
      this.blocks = saved;
      this.scopes.exit();
    }
  }

  /**
   * `match` is a soft keyword: a line that starts with it is a match statement when it ends with `:` (no other
   * simple statement can).
   */
  private isMatchStatement(): boolean {
    const next = this.kind(1);
    if (next === T.EQUAL || next === T.DOT || next === T.COLON || next === T.COMMA || next === T.NEWLINE || next === T.RPAR) return false;
    let i = 1;
    while (this.kind(i) !== T.NEWLINE && this.kind(i) !== T.EOF) i++;
    return this.kind(i - 1) === T.COLON;
  }

  private matchStatement(): Stmt {
    const from = this.startOf();
    this.advance();
    let subject = this.starNamedExpression();
    if (this.at(T.COMMA)) {
      const elts = [subject];
      while (this.eat(T.COMMA) && !this.at(T.COLON)) elts.push(this.starNamedExpression());
      subject = { kind: 'tuple', elts, from: subject.from, to: elts[elts.length - 1].to };
    } else this.checkNoBareStar(subject);
    this.expect(T.COLON, "expected ':'");
    this.scopes.flush();
    this.expect(T.NEWLINE);
    if (!this.at(T.INDENT)) {
      this.report(`expected an indented block after 'match' statement on line ${this.lineOf(from)}`, this.startOf(), this.lineEnd(this.startOf()));
      return { kind: 'other', what: 'MatchStatement', exprs: [subject], from, to: this.contentEnd() };
    }
    this.advance();
    // Case bodies are read (their names, errors and calls count) but are not part of the analysed tree.
    this.outsideTree(() => this.cases());
    this.eat(T.DEDENT);
    return { kind: 'other', what: 'MatchStatement', exprs: [subject], from, to: this.contentEnd() };
  }

  private cases(): void {
    let open: { from: number; to: number; irrefutable?: 'capture' | 'wildcard'; capture?: string } | undefined;
    while (!this.at(T.DEDENT) && !this.at(T.EOF)) {
      if (!this.isName('case')) this.fail(this.unexpected());
      if (open) this.checkReachable({ binds: [], ...open });
      const at = this.startOf();
      this.advance();
      const p = this.casePatterns();
      const guarded = this.eat(T.If);
      if (guarded) this.namedExpression();
      this.block("'case' statement", at);
      open = guarded ? undefined : p;
    }
  }
}
