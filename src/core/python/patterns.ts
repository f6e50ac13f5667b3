/**
 * `match` statement patterns (3.10+), with the checks CPython's compiler makes on them: irrefutable patterns
 * before the last case, names bound twice or differently by alternatives, mapping keys and class keywords
 * repeated, complex literals. Patterns are not part of the analysis' syntax tree: only the names they bind and read.
 */
import { CallableParser } from './callables';
import { T } from './tokens';

/** What a pattern binds and whether it always matches. */
export interface PatternInfo {
  binds: { name: string; from: number; to: number }[];
  /** Always matches: a capture, a wildcard, or an alternative of one. */
  irrefutable?: 'capture' | 'wildcard';
  /** The name an irrefutable capture binds (for its message). */
  capture?: string;
  from: number;
  to: number;
}

export abstract class PatternParser extends CallableParser {
  /** The patterns of a `case` (an open sequence without brackets is a sequence pattern). */
  protected casePatterns(): PatternInfo {
    const from = this.startOf();
    const first = this.maybeStarPattern();
    let p: PatternInfo = first;
    if (this.at(T.COMMA)) {
      const items = [first];
      while (this.eat(T.COMMA) && !this.at(T.COLON) && !this.at(T.If)) items.push(this.maybeStarPattern());
      p = this.sequenceOf(items, from);
    } else if (first.star) this.fail('invalid syntax', first.from, first.to);
    const seen = new Set<string>();
    for (const b of p.binds) {
      if (seen.has(b.name)) this.compileError(`multiple assignments to name '${b.name}' in pattern`, b.from, b.to);
      seen.add(b.name);
      this.scopes.bind(b.name, b.from, b.to);
    }
    return p;
  }

  /** `pattern as name` or an or-pattern. */
  protected pattern(): PatternInfo {
    const p = this.orPattern();
    if (!this.at(T.As)) return p;
    this.advance();
    if (this.isName('_')) this.fail("cannot use '_' as a target");
    if (!this.at(T.NAME) || this.kind(1) === T.DOT || this.kind(1) === T.LPAR) this.fail('invalid pattern target');
    const name = { name: this.tokenText(), from: this.startOf(), to: this.endOf() };
    this.advance();
    return { binds: [...p.binds, name], irrefutable: p.irrefutable, capture: p.capture, from: p.from, to: name.to };
  }

  private orPattern(): PatternInfo {
    const alts = [this.closedPattern()];
    while (this.eat(T.VBAR)) alts.push(this.closedPattern());
    if (alts.length === 1) return alts[0];
    for (let i = 0; i < alts.length - 1; i++) this.checkReachable(alts[i]);
    const names = (p: PatternInfo) => p.binds.map((b) => b.name).sort().join(',');
    const first = names(alts[0]);
    for (const a of alts.slice(1)) if (names(a) !== first) this.compileError('alternative patterns bind different names', a.from, a.to);
    const last = alts[alts.length - 1];
    return { binds: alts[0].binds, irrefutable: last.irrefutable, capture: last.capture, from: alts[0].from, to: last.to };
  }

  /** An irrefutable pattern that is not the last alternative (or case) hides the rest. */
  protected checkReachable(p: PatternInfo): void {
    if (p.irrefutable === 'capture') this.compileError(`name capture '${p.capture}' makes remaining patterns unreachable`, p.from, p.to);
    if (p.irrefutable === 'wildcard') this.compileError('wildcard makes remaining patterns unreachable', p.from, p.to);
  }

  private maybeStarPattern(): PatternInfo & { star?: boolean } {
    if (!this.at(T.STAR)) return this.pattern();
    const from = this.startOf();
    this.advance();
    if (!this.at(T.NAME)) this.fail(this.unexpected());
    const name = this.tokenText();
    const to = this.endOf();
    this.advance();
    return { binds: name === '_' ? [] : [{ name, from, to }], from, to, star: true };
  }

  private sequenceOf(items: (PatternInfo & { star?: boolean })[], from: number): PatternInfo {
    if (items.filter((i) => i.star).length > 1) this.compileError('multiple starred names in sequence pattern', from, items[items.length - 1].to);
    return { binds: items.flatMap((i) => i.binds), from, to: this.prevEnd() };
  }

  private closedPattern(): PatternInfo {
    const from = this.startOf();
    const k = this.kind();
    if (k === T.NUMBER || k === T.MINUS) return this.numberPattern();
    if (k === T.STRING || k === T.FSTRING_START) {
      while (this.at(T.STRING)) {
        this.checkStringToken(this.startOf(), this.endOf());
        this.advance();
      }
      if (this.at(T.FSTRING_START)) this.fail('patterns may only match literals and attribute lookups');
      return { binds: [], from, to: this.prevEnd() };
    }
    if (k === T.None || k === T.True || k === T.False) {
      this.advance();
      return { binds: [], from, to: this.prevEnd() };
    }
    if (k === T.NAME) {
      if (this.kind(1) === T.DOT || this.kind(1) === T.LPAR) return this.valueOrClassPattern();
      const name = this.tokenText();
      this.advance();
      const to = this.prevEnd();
      if (name === '_') return { binds: [], irrefutable: 'wildcard', from, to };
      return { binds: [{ name, from, to }], irrefutable: 'capture', capture: name, from, to };
    }
    if (k === T.LPAR || k === T.LSQB) {
      const close = k === T.LPAR ? T.RPAR : T.RSQB;
      this.advance();
      if (this.eat(close)) return { binds: [], from, to: this.prevEnd() };
      const first = this.maybeStarPattern();
      if (k === T.LPAR && this.eat(T.RPAR)) {
        if (first.star) this.fail('invalid syntax', first.from, first.to);
        return { ...first, from, to: this.prevEnd() };
      }
      const items = [first];
      while (this.eat(T.COMMA) && !this.at(close)) items.push(this.maybeStarPattern());
      this.expect(close);
      return this.sequenceOf(items, from);
    }
    if (k === T.LBRACE) return this.mappingPattern();
    return this.fail(this.unexpected());
  }

  /** `1`, `-1`, `1 + 2j`, `-1.5 - 3j`. */
  private numberPattern(): PatternInfo {
    const from = this.startOf();
    this.eat(T.MINUS);
    if (!this.at(T.NUMBER)) this.fail(this.unexpected());
    const real = this.tokenText();
    this.advance();
    if (this.at(T.PLUS) || this.at(T.MINUS)) {
      if (/[jJ]$/.test(real)) this.fail('real number required in complex literal', from, this.prevEnd());
      this.advance();
      if (!this.at(T.NUMBER)) this.fail(this.unexpected());
      if (!/[jJ]$/.test(this.tokenText())) this.fail('imaginary number required in complex literal');
      this.advance();
    }
    return { binds: [], from, to: this.prevEnd() };
  }

  /** `a.b.c` (a value), or `Cls(…)` / `a.Cls(…)` (a class pattern). */
  private valueOrClassPattern(): PatternInfo {
    const from = this.startOf();
    this.name();
    while (this.eat(T.DOT)) {
      if (!this.at(T.NAME)) this.fail(this.unexpected());
      this.advance();
    }
    if (!this.eat(T.LPAR)) return { binds: [], from, to: this.prevEnd() };
    const binds: PatternInfo['binds'] = [];
    const keywords = new Set<string>();
    while (!this.at(T.RPAR)) {
      if (this.at(T.NAME) && this.kind(1) === T.EQUAL) {
        const name = this.tokenText();
        const at = this.startOf();
        this.tk += 2;
        if (keywords.has(name)) this.compileError(`attribute name repeated in class pattern: ${name}`, at, at + name.length);
        keywords.add(name);
        binds.push(...this.pattern().binds);
      } else {
        const p = this.pattern();
        if (keywords.size) this.fail('positional patterns follow keyword patterns', p.from, p.to);
        binds.push(...p.binds);
      }
      if (!this.eat(T.COMMA)) break;
    }
    this.expect(T.RPAR);
    return { binds, from, to: this.prevEnd() };
  }

  /** `{key: pattern, …, **rest}`: keys are literals or dotted names, each once. */
  private mappingPattern(): PatternInfo {
    const from = this.startOf();
    this.advance();
    const binds: PatternInfo['binds'] = [];
    const keys = new Set<string>();
    let rest = false;
    while (!this.at(T.RBRACE)) {
      if (rest) this.fail('double star pattern must be the last (right-most) subpattern in the mapping pattern');
      if (this.eat(T.DOUBLESTAR)) {
        if (!this.at(T.NAME)) this.fail(this.unexpected());
        binds.push({ name: this.tokenText(), from: this.startOf(), to: this.endOf() });
        this.advance();
        rest = true;
      } else {
        const keyFrom = this.startOf();
        const k = this.kind();
        if (k === T.NAME) {
          if (this.kind(1) !== T.DOT) this.fail(this.unexpected());
          this.valueOrClassPattern();
        } else if (k === T.NUMBER || k === T.MINUS) this.numberPattern();
        else if (k === T.STRING || k === T.None || k === T.True || k === T.False) this.closedPattern();
        else this.fail(this.unexpected());
        const key = this.text.slice(keyFrom, this.prevEnd());
        if (k !== T.NAME) {
          if (keys.has(key)) this.compileError(`mapping pattern checks duplicate key (${key})`, keyFrom, this.prevEnd());
          keys.add(key);
        }
        this.expect(T.COLON);
        binds.push(...this.pattern().binds);
      }
      if (!this.eat(T.COMMA)) break;
    }
    this.expect(T.RBRACE);
    return { binds, from, to: this.prevEnd() };
  }
}
