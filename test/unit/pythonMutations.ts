/**
 * Token-level mutations of real Python code, for the differential test against python3 (python.grammar.test.ts):
 * tokens deleted, doubled, swapped, replaced by keywords or operators; colons and closing brackets removed;
 * numbers rewritten (`1.`, `1.e5`, `0x_1`, `1_000.`, `1__0`, `09`…); f-strings, `match`, the walrus, `print x`,
 * `async=True`, parenthesized context managers, positional-only parameters, `except*`, type parameters written
 * into function bodies; indentation changed, tabs mixed with spaces. Whether each mutant is valid is for Python to
 * say: nothing here decides it. Mutants using syntax newer than some Python versions say since which version.
 *
 * Deterministic: the same sources and seed give the same mutants.
 */
import { Tokenizer } from '../../src/core/python/lexical';
import { T } from '../../src/core/python/tokens';
import { createRng } from '../../bench/generate';

export interface Mutant {
  name: string;
  text: string;
  /** The mutation. */
  kind: string;
  /** Syntax Python accepts only from this version on (e.g. '3.12': PEP 701 f-strings, type parameters). */
  since?: string;
  /**
   * With `since`: the same mutant with that syntax replaced by its older equivalent (`f"{x}"` for a PEP 701
   * f-string, `def g(x)` for `def g[T](x: T)`). An older Python's verdict on it is what the newer one says of the
   * mutant, since the replaced part is valid in the newer version.
   */
  control?: string;
}

interface Token {
  kind: T;
  from: number;
  to: number;
  /** Inside an f-string (where line breaks and nested strings are version-dependent: PEP 701). */
  inFString: boolean;
}

function tokensOf(text: string): Token[] {
  const tz = new Tokenizer(text);
  const out: Token[] = [];
  let depth = 0;
  for (let i = 0; ; i++) {
    tz.fill(i + 1);
    if (i >= tz.count) break;
    const kind = tz.kind[i] as T;
    if (kind === T.EOF) break;
    if (kind === T.FSTRING_START) depth++;
    if (kind !== T.INDENT && kind !== T.DEDENT) out.push({ kind, from: tz.start[i], to: tz.end[i], inFString: depth > 0 });
    if (kind === T.FSTRING_END) depth--;
  }
  return out;
}

const NUMBERS = ['1.', '2. / n', '1.e5', '0x_1', '1_000.', '1__0', '1_', '09', '0b2', '0o8', '0x', '1e', '1e+', '1jx', '1.__class__', '1 .real', '0_0', '00', '0.5j', '.5', '1if x else 2', '0x1for', '1_0.0_1e1_0', '0O17', '0B1_1', '1E-3J'];

/** f-strings: valid in every version, 3.12 only (PEP 701; with its older equivalent), or never. */
const FSTRINGS: [string, string?, string?][] = [
  ['f"{x}"'],
  ['f"{x!r:>{w}}"'],
  ['f"{x=}"'],
  ['f"{x = !s:^10}"'],
  ["f'{a[\"b\"]}'"],
  ['f"{{x}}"'],
  ['f"{x:{y:{z}}}"', '3.12', 'f"{x:{y}}"'],
  ['f"{x:{y:{z:{w}}}}"'],
  ['f"{}"'],
  ['f"{x!z}"'],
  ['f"}"'],
  ['f"{"'],
  ['f"{x:=5}"'],
  ['f"{(x:=5)}"'],
  ['f"{lambda x: 1}"'],
  ['f"{(lambda x: 1)(2)}"'],
  ['f"{x!}"'],
  ['f"{x:{{}}"'],
  ['rf"\\d{x}"'],
  ['fr"{x}\\n"'],
  ["f'{x}' f\"{y}\" 'z'"],
  ['f"{\'nested\' + f\'{y}\'}"'],
  ['f"{"same quotes"}"', '3.12', 'f"{x}"'],
  ['f"{x["k"]}"', '3.12', 'f"{x}"'],
  ["f'{'\\n'.join(a)}'", '3.12', 'f"{x}"'],
  ['f"{x # comment\n}"', '3.12', 'f"{x}"'],
  ['f"{x\n+ y}"', '3.12', 'f"{x}"'],
  ['f"{f"{f"{x}"}"}"', '3.12', 'f"{x}"'],
  ['b"x" f"y"'],
  ['f"\\N{BULLET} {x}"'],
  ['f"{*x}"'],
  ['f"{yield x}"'],
  ['f"{x!r=}"'],
  ['f"{x! r}"'],
];

/** Statements written into a function body (`{i}` is one more indentation level). */
const STATEMENTS: [string, string?, string?][] = [
  ['match command.split():\n{i}case [action]:\n{i}{i}pass\n{i}case [action, obj]:\n{i}{i}pass\n{i}case _:\n{i}{i}pass'],
  ['match point:\n{i}case Point(x=0, y=0):\n{i}{i}pass\n{i}case {"a": 1, **rest}:\n{i}{i}pass\n{i}case [1, 2, *others] if others:\n{i}{i}pass'],
  ['match x:\n{i}case a:\n{i}{i}pass\n{i}case b:\n{i}{i}pass'],
  ['match x:\n{i}case 1 | 2 | 3:\n{i}{i}pass\n{i}case (a, b) | [a, b]:\n{i}{i}pass'],
  ['match x:\n{i}case a | b:\n{i}{i}pass'],
  ['match x:\n{i}case 1+2:\n{i}{i}pass'],
  ['match x:\n{i}case -1.5-2j:\n{i}{i}pass'],
  ['match x:\n{i}case {"k": v, "k": w}:\n{i}{i}pass'],
  ['match x:\n{i}case C(a=1, a=2):\n{i}{i}pass'],
  ['match x:\n{i}case [a, a]:\n{i}{i}pass'],
  ['match x:\n{i}case f"{y}":\n{i}{i}pass'],
  ['match = 1\nmatch.x = 2\ncase = match'],
  ['match(x)'],
  ['match x:\n{i}pass'],
  ['if (n := len(a)) > 10:\n{i}pass'],
  ['x := 5'],
  ['[y := f(x), y**2]'],
  ['[y for x in data if (y := f(x))]'],
  ['[x for x in (y := data)]'],
  ['[(x := 1) for x in data]'],
  ['f(x := 1)'],
  ['a[b := 1]'],
  ['print "hello"'],
  ['print x'],
  ['print(x)'],
  ['print >>sys.stderr, "x"'],
  ['exec "code"'],
  ['async = True'],
  ['f(async=True)'],
  ['await = 1'],
  ['with (open(a) as f, open(b) as g):\n{i}pass'],
  ['with (open(a) as f, open(b) as g,):\n{i}pass'],
  ['with (a, b):\n{i}pass'],
  ['with (yield):\n{i}pass'],
  ['with a as (b, c):\n{i}pass'],
  ['with a as f():\n{i}pass'],
  ['def g(a, /, b, *, c):\n{i}pass'],
  ['def g(/, a):\n{i}pass'],
  ['def g(a=1, b):\n{i}pass'],
  ['def g(a, a):\n{i}pass'],
  ['def g(*):\n{i}pass'],
  ['def g(**k, a):\n{i}pass'],
  ['lambda a, /, b: a'],
  ['lambda *: 0'],
  ['try:\n{i}pass\nexcept* ValueError:\n{i}pass'],
  ['try:\n{i}pass\nexcept* ValueError:\n{i}return'],
  ['try:\n{i}pass\nexcept:\n{i}pass\nexcept ValueError:\n{i}pass'],
  ['try:\n{i}pass'],
  ['def g[T](x: T) -> T:\n{i}return x', '3.12', 'def g(x: T) -> T:\n{i}return x'],
  ['class C[T]:\n{i}pass', '3.12', 'class C:\n{i}pass'],
  ['type Alias = list[int]', '3.12', 'Alias = list[int]'],
  ['@decorators[0].attr\ndef g():\n{i}pass'],
  ['@(lambda f: f)\ndef g():\n{i}pass'],
  ['nonlocal undefined_name'],
  ['global x\nx = 1'],
  ['x = 1\nglobal x'],
  ['yield'],
  ['x = yield'],
  ['await x'],
  ['return *a, b'],
  ['return *a'],
  ['x = *a, *b'],
  ['x = *a'],
  ['*a, b = c'],
  ['*a = c'],
  ['a, *b, *c = d'],
  ['del a, (b, c), [d]'],
  ['del f()'],
  ['f() = 1'],
  ['a + 1 = 2'],
  ['None = 1'],
  ['x: int = 1'],
  ['a, b: int'],
  ['(a): int = 1'],
  ['a.b: int'],
  ['x += 1, 2'],
  ['a, b += 1'],
  ['if x = 1:\n{i}pass'],
  ['f(**a, *b)'],
  ['f(a=1, b)'],
  ['f(x for x in y, 1)'],
  ['f(a for a in b)'],
  ['f(a=1, a=2)'],
  ['[*a for a in b]'],
  ['{**a for a in b}'],
  ['x = 1 if y'],
  ['from __future__ import annotations'],
  ['import *'],
  ['from . import *'],
  ['assert x, "msg"'],
  ['assert x = 1'],
  ['raise'],
  ['raise X from'],
  ['for x in *a, *b:\n{i}pass'],
  ['for f() in x:\n{i}pass'],
  ['break'],
  ['continue'],
  ['while x:\n{i}break\nelse:\n{i}continue'],
  ['x = [1, 2,\n     3, 4]'],
  ['x = (1,\n     2'],
  ['x = "\\x4"'],
  ['x = "\\N{DIGIT ONE}"'],
  ['x = b"\\u1234"'],
  ['x = u"a" b"b"'],
  ['x = ur"a"'],
  ['x = 1 \\\n    + 2'],
  ['x = 1 \\ + 2'],
  ['x = a $ b'],
  ['x = a ? b : c'],
  ['x = `a`'],
  ['x = 1 <> 2'],
  ['if not x == y: pass'],
  ['x = not'],
  ['x = a if b else *c'],
  ['x = [i for i in range(3) if i else 0]'],
  ['def h():\n{i}nonlocal x'],
  ['class D:\n{i}return 1'],
  ['class D:\n{i}x = [(y := 1) for i in a]'],
  ['async def h():\n{i}yield 1\n{i}return 2'],
  ['async def h():\n{i}[x async for x in y]'],
  ['[x async for x in y]'],
  ['(x async for x in y)'],
  ['async with a:\n{i}pass'],
];

/** Replacement tokens: keywords, operators and names that often break or fix a statement. */
const TOKENS = ['def', 'class', 'return', 'yield', 'lambda', 'None', 'await', 'async', 'import', 'pass', 'if', 'else', 'not', 'in', 'is', ':', ';', ',', '.', '=', '==', ':=', '->', '*', '**', '(', ')', '[', ']', '{', '}', '@', 'print', 'match', 'case', '_', 'type', '...', '\\'];

/**
 * `count` mutants of the given Python sources (each a complete, valid module of a few dozen lines). The kinds of
 * mutation are cycled through so that each is well represented.
 */
export function pythonMutants(sources: { name: string; text: string }[], count: number, seed: number): Mutant[] {
  const rnd = createRng(seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)];
  const tokenized = sources.map((s) => ({ ...s, tokens: tokensOf(s.text) })).filter((s) => s.tokens.length > 5);
  const out: Mutant[] = [];
  const kinds: ((s: (typeof tokenized)[number]) => Omit<Mutant, 'name'> | undefined)[] = [
    // a token deleted
    (s) => {
      const t = pick(s.tokens);
      return { kind: 'delete a token', text: s.text.slice(0, t.from) + s.text.slice(t.to) };
    },
    // a block header's colon deleted
    (s) => {
      const colons = s.tokens.filter((t, i) => t.kind === T.COLON && s.tokens[i + 1]?.kind === T.NEWLINE);
      if (!colons.length) return undefined;
      const t = pick(colons);
      return { kind: 'delete a colon', text: s.text.slice(0, t.from) + s.text.slice(t.to) };
    },
    // a stray dot after a token
    (s) => {
      const t = pick(s.tokens);
      return { kind: 'stray dot', text: s.text.slice(0, t.to) + '.' + s.text.slice(t.to) };
    },
    // a number rewritten
    (s) => {
      const nums = s.tokens.filter((t) => t.kind === T.NUMBER);
      const names = s.tokens.filter((t) => t.kind === T.NAME);
      const t = nums.length ? pick(nums) : names.length ? pick(names) : undefined;
      if (!t) return undefined;
      return { kind: 'number', text: s.text.slice(0, t.from) + pick(NUMBERS) + s.text.slice(t.to) };
    },
    // an f-string in place of a string or name
    (s) => {
      const spots = s.tokens.filter((t) => (t.kind === T.STRING || t.kind === T.NAME || t.kind === T.NUMBER) && !t.inFString);
      const t = pick(spots);
      const [f, since, older] = pick(FSTRINGS);
      const put = (x: string) => s.text.slice(0, t.from) + x + s.text.slice(t.to);
      return { kind: 'f-string', text: put(f), since, control: older && put(older) };
    },
    // a statement written into a function body, or at the top
    (s) => {
      const [stmt, since, older] = pick(STATEMENTS);
      const r = rnd();
      const put = (x: string) => insertStatement(s.text, x, () => r);
      return { kind: 'statement', text: put(stmt), since, control: older && put(older) };
    },
    // a token doubled
    (s) => {
      const t = pick(s.tokens);
      return { kind: 'double a token', text: s.text.slice(0, t.to) + ' ' + s.text.slice(t.from, t.to) + s.text.slice(t.to) };
    },
    // two adjacent tokens swapped
    (s) => {
      const i = Math.floor(rnd() * (s.tokens.length - 1));
      const a = s.tokens[i];
      const b = s.tokens[i + 1];
      // (Not inside an f-string: `{x!r }` from `{x!r} ` is Python 3.12's and an error before it, with no older
      // equivalent to judge it by.)
      if (a.kind === T.NEWLINE || b.kind === T.NEWLINE || a.inFString || b.inFString) return undefined;
      const text = s.text.slice(0, a.from) + s.text.slice(b.from, b.to) + s.text.slice(a.to, b.from) + s.text.slice(a.from, a.to) + s.text.slice(b.to);
      return { kind: 'swap tokens', text };
    },
    // a token replaced by a keyword, operator or soft keyword
    (s) => {
      const t = pick(s.tokens.filter((x) => x.kind !== T.NEWLINE));
      return { kind: 'replace a token', text: s.text.slice(0, t.from) + pick(TOKENS) + s.text.slice(t.to) };
    },
    // a closing bracket deleted or an opening one added
    (s) => {
      const closers = s.tokens.filter((t) => t.kind === T.RPAR || t.kind === T.RSQB || t.kind === T.RBRACE);
      if (closers.length && rnd() < 0.5) {
        const t = pick(closers);
        return { kind: 'delete a bracket', text: s.text.slice(0, t.from) + s.text.slice(t.to) };
      }
      const t = pick(s.tokens);
      return { kind: 'add a bracket', text: s.text.slice(0, t.from) + pick(['(', '[', '{']) + s.text.slice(t.from) };
    },
    // a line's indentation changed, or tabs mixed with spaces
    (s) => {
      const lines = s.text.split('\n');
      const candidates = lines.map((l, i) => i).filter((i) => /^\s+\S/.test(lines[i]));
      if (!candidates.length) return undefined;
      const i = pick(candidates);
      const m = /^(\s+)/.exec(lines[i])!;
      const r = rnd();
      const indent = r < 0.25 ? m[1].replace(/ {8}/, '\t') : r < 0.5 ? m[1].replace(/ {4}/, '\t') : r < 0.7 ? m[1] + '  ' : r < 0.85 ? m[1].slice(2) : '\t'.repeat(Math.max(1, Math.floor(m[1].length / 4)));
      lines[i] = indent + lines[i].slice(m[1].length);
      if (r >= 0.85) for (let j = i + 1; j < lines.length && rnd() < 0.7; j++) if (/^\s+\S/.test(lines[j])) lines[j] = lines[j].replace(/^ {4}/, '\t');
      return { kind: 'indentation', text: lines.join('\n') };
    },
    // a line continuation or a line break inserted between tokens
    (s) => {
      const t = pick(s.tokens.filter((x) => !x.inFString));
      return { kind: 'line break', text: s.text.slice(0, t.to) + (rnd() < 0.5 ? ' \\\n' : '\n') + s.text.slice(t.to) };
    },
  ];
  let attempts = 0;
  while (out.length < count && attempts < count * 5) {
    attempts++;
    const kind = kinds[out.length % kinds.length];
    const s = pick(tokenized);
    const m = kind(s);
    if (!m || m.text === s.text) continue;
    out.push({ ...m, name: `${s.name} #${out.length} (${m.kind})` });
  }
  return out;
}

/** Writes a statement (with `{i}` for one indentation level) at the start of a line of the text, indented as that line. */
function insertStatement(text: string, stmt: string, rnd: () => number): string {
  // A line that starts a statement (not inside brackets or a string): the tokenizer knows.
  const tz = new Tokenizer(text);
  const starts: number[] = [];
  let prev: T = T.NEWLINE;
  for (let i = 0; ; i++) {
    tz.fill(i + 1);
    if (i >= tz.count || tz.kind[i] === T.EOF) break;
    const k = tz.kind[i] as T;
    if (k !== T.INDENT && k !== T.DEDENT) {
      if (prev === T.NEWLINE) starts.push(tz.start[i]);
      prev = k;
    }
  }
  const at = starts.length ? starts[Math.floor(rnd() * starts.length)] : 0;
  let lineStart = at;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  const indent = text.slice(lineStart, at);
  const unit = /\t/.test(indent) ? '\t' : '    ';
  const block = stmt
    .replace(/\{i\}/g, unit)
    .split('\n')
    .map((l) => indent + l)
    .join('\n');
  return text.slice(0, lineStart) + block + '\n' + text.slice(lineStart);
}
