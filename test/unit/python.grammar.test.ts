/**
 * Python's grammar, exactly: the parser (src/core/python/parse.ts and the parsers it builds on) held to python3
 * itself. Every `.py` file of the machine's Python standard library, and a few thousand token-level mutations of
 * real code (pythonMutations.ts), are judged by the parser and by `compile(source, name, 'exec')` in one batched
 * python3 process: the files with a syntax error must be exactly those Python refuses.
 *
 * The parser accepts what CPython 3.8–3.13 accepts (PEP 701 f-strings and type parameters included, from 3.12).
 * Where the installed python3 is older than a mutant's syntax, the mutant is judged against its control: the same
 * text with that syntax replaced by its older equivalent (see Mutant.control).
 *
 * Skipped, with a message, only when python3 is not installed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePython, type SourceKind } from '../../src/core/python/parse';
import { decodePythonSource } from '../../src/core/python/source';
import { fixturesDir } from './helpers';
import { pythonMutants, type Mutant } from './pythonMutations';
import { recordFigures } from './securityFigures';

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0 ? 'python3' : undefined;
const SKIP = python ? false : 'python3 is not installed: the differential test against it cannot run';

const MUTANTS = 3000;
const SEED = 20240610;

/** Python's verdict: undefined when it compiles, else [message, line]. */
type Verdict = [string, number] | null;

const BATCH = `
import json, sys, warnings
warnings.simplefilter('ignore')
req = json.load(sys.stdin)
def judge(src, name):
    try:
        compile(src, name, 'exec', dont_inherit=True)
        return None
    except SyntaxError as e:
        return [e.msg, e.lineno or 0]
    except Exception as e:
        return [type(e).__name__ + ': ' + str(e), 0]
import ast, __future__
FUTURES = 0
for name in __future__.all_feature_names:
    FUTURES |= getattr(__future__, name).compiler_flag
def judge_cells(src):
    # As IPython runs a cell: parsed whole, then each top-level statement compiled on its own, with top-level await
    # allowed and the future features of the statements before it.
    try:
        tree = ast.parse(src, '<cell>')
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        for node in tree.body:
            code = compile(ast.Module([node], []), '<cell>', 'exec', flags=flags, dont_inherit=True)
            flags |= code.co_flags & FUTURES
        return None
    except SyntaxError as e:
        return [e.msg, e.lineno or 0]
    except Exception as e:
        return [type(e).__name__ + ': ' + str(e), 0]
out = {'files': [], 'texts': [], 'cells': []}
for p in req['files']:
    with open(p, 'rb') as f:
        out['files'].append(judge(f.read(), p))
for t in req['texts']:
    out['texts'].append(judge(t, '<mutant>'))
for t in req.get('cells', []):
    out['cells'].append(judge_cells(t))
print(json.dumps(out))
`;

/** Runs the batch in python3 (in parallel with the caller's own work). */
function pythonVerdicts(files: string[], texts: string[], cells: string[] = []): Promise<{ files: Verdict[]; texts: Verdict[]; cells: Verdict[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python!, ['-c', BATCH], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { files: Verdict[]; texts: Verdict[]; cells: Verdict[] }) : reject(new Error(`python3 exited with ${code}`))));
    child.stdin.end(JSON.stringify({ files, texts, cells }));
  });
}

/** The parser's first error (message, 1-based line) on a text, or undefined when it parses cleanly. */
function ours(text: string, before: { from: number; message?: string }[] = [], kind: SourceKind = 'module'): { message: string; line: number } | undefined {
  // Decoding errors first; then the module's errors come in the order Python reports them: the first is the one to compare.
  const e = before[0] ?? parsePython(text, undefined, kind).module.errors[0];
  if (!e) return undefined;
  let line = 1;
  for (let i = 0; i < e.from && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return { message: e.message ?? 'invalid syntax', line };
}

function walkPy(dir: string, out: string[], skip: (p: string) => boolean): void {
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (skip(p)) continue;
    const st = fs.lstatSync(p);
    if (st.isDirectory()) walkPy(p, out, skip);
    else if (st.isFile() && name.endsWith('.py')) out.push(p);
  }
}

/** Top-level statements of 5 to 80 lines, as small modules to mutate. */
function units(name: string, text: string): { name: string; text: string }[] {
  const parsed = parsePython(text);
  if (parsed.module.errors.length) return [];
  const out: { name: string; text: string }[] = [];
  for (const u of parsed.units) {
    const t = text.slice(u.from, u.to);
    const lines = t.split('\n').length;
    if (lines >= 5 && lines <= 80 && !t.includes('__future__')) out.push({ name: `${name}:${u.from}`, text: `${t}\n` });
  }
  return out;
}

const MUTATED_STDLIB = ['argparse.py', 'dataclasses.py', 'functools.py', 'json/decoder.py', 'asyncio/tasks.py', 'enum.py', 'inspect.py', 'typing.py', 'pathlib.py', 'contextlib.py'];

/** Message and line the same, up to the line numbers messages mention and CPython's version-specific wordings. */
function sameMessage(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/\(detected at line \d+\)/, '')
      .replace(/on line \d+/, '')
      .replace('non-default argument follows default argument', 'parameter without a default follows parameter with a default')
      .replace("f-string: empty expression not allowed", "f-string: valid expression required before '}'")
      .replace('named arguments must follow bare *', 'named parameters must follow bare *')
      .replace('at least one argument must precede /', 'at least one parameter must precede /')
      .replace(/^f-string: invalid conversion character.*/, 'f-string: invalid conversion character')
      .replace(/'(\w+)'/g, '"$1"')
      .trim();
  return norm(a) === norm(b);
}

describe('Python grammar: the parser against python3', () => {
  test('the standard library and mutations of real code: the files with a syntax error are exactly those python3 refuses', { skip: SKIP }, async () => {
    const t0 = performance.now();
    const stdlib = execFileSync(python!, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
    const version = execFileSync(python!, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
    const site = path.join(stdlib, 'site-packages');
    const files: string[] = [];
    walkPy(stdlib, files, (p) => p === site || p.endsWith('__pycache__'));

    const sources: { name: string; text: string }[] = [];
    const fixtures: string[] = [];
    walkPy(path.join(fixturesDir, 'rules'), fixtures, () => false);
    for (const f of fixtures) sources.push(...units(path.relative(fixturesDir, f), fs.readFileSync(f, 'utf8')));
    for (const rel of MUTATED_STDLIB) {
      const p = path.join(stdlib, rel);
      if (fs.existsSync(p)) sources.push(...units(rel, fs.readFileSync(p, 'utf8')));
    }
    const mutants = pythonMutants(sources, MUTANTS, SEED);
    const older = (m: Mutant) => m.since !== undefined && compareVersions(version, m.since) < 0;
    const texts = mutants.map((m) => (older(m) ? m.control! : m.text));

    // python3 judges while the parser does.
    const pending = pythonVerdicts(files, texts);
    const t1 = performance.now();
    const fileResults = files.map((f) => {
      const src = decodePythonSource(fs.readFileSync(f));
      return ours(src.text, src.errors);
    });
    const mutantResults = mutants.map((m) => ours(m.text));
    const parseMs = performance.now() - t1;
    const verdicts = await pending;

    const disagree: string[] = [];
    /** With ML_NOTES_GRAMMAR_REPORT=file: the errors whose message or line differs from python3's, for reading. */
    const report: string[] = [];
    let sameFirst = 0;
    let sameLine = 0;
    let rejected = 0;
    const check = (name: string, mine: { message: string; line: number } | undefined, py: Verdict) => {
      if (!!mine !== !!py) disagree.push(`${name}: python3 ${py ? `refuses (line ${py[1]}: ${py[0]})` : 'compiles it'}, the parser ${mine ? `says line ${mine.line}: ${mine.message}` : 'accepts it'}`);
      if (mine && py) {
        rejected++;
        if (sameMessage(mine.message, py[0])) sameFirst++;
        if (mine.line === py[1]) sameLine++;
        if (!sameMessage(mine.message, py[0]) || mine.line !== py[1]) report.push(`python3 line ${py[1]}: ${py[0]}\nparser  line ${mine.line}: ${mine.message}\n${name}\n`);
      }
    };
    files.forEach((f, i) => check(path.relative(stdlib, f), fileResults[i], verdicts.files[i]));
    mutants.forEach((m, i) => check(`${m.name}${older(m) ? ` [judged by its control: ${m.since} syntax]` : ''}\n${m.text}`, mutantResults[i], verdicts.texts[i]));

    const figures = {
      python: version,
      stdlibFiles: files.length,
      stdlibRefused: verdicts.files.filter(Boolean).length,
      mutants: mutants.length,
      mutantsRefused: verdicts.texts.filter(Boolean).length,
      mutantsJudgedByControl: mutants.filter(older).length,
      mutantKinds: Object.fromEntries([...new Set(mutants.map((m) => m.kind))].map((k) => [k, mutants.filter((m) => m.kind === k).length])),
      agreement: files.length + mutants.length - disagree.length,
      compared: files.length + mutants.length,
      firstErrorSameMessage: `${sameFirst} of ${rejected}`,
      firstErrorSameLine: `${sameLine} of ${rejected}`,
      parserMs: Math.round(parseMs),
      totalMs: Math.round(performance.now() - t0),
    };
    recordFigures('python-grammar', figures);
    if (process.env.ML_NOTES_GRAMMAR_REPORT) fs.writeFileSync(process.env.ML_NOTES_GRAMMAR_REPORT, report.join('\n'));
    assert.ok(files.length > 500, `${files.length} standard library files`);
    assert.deepEqual(disagree.slice(0, 20), [], `${disagree.length} of ${files.length + mutants.length} verdicts differ from python3's`);
  });
});

/**
 * Notebook cells as IPython runs them (top-level `await`, `async for` and `async with`; a `from __future__` import
 * anywhere at the top level): the programs the parser reads in its `cells` mode, judged by python3 compiling each
 * top-level statement on its own with `PyCF_ALLOW_TOP_LEVEL_AWAIT`, as IPython does.
 */
const CELL_PROGRAMS = [
  'import asyncio\nawait asyncio.sleep(0)\n',
  'async for x in aiter_of(y):\n    print(x)\n',
  'async with session.get(url) as r:\n    body = await r.text()\n',
  'for i in range(3):\n    await asyncio.sleep(i)\n',
  'if ready:\n    async with lock:\n        pass\n',
  'results = [await fetch(u) for u in urls]\n',
  'results = [x async for x in stream()]\n',
  'gen = (await f(x) for x in xs)\n',
  'data = {k: await v for k, v in items}\n',
  'class A:\n    x = await f()\n',
  'class A:\n    y = [x async for x in g()]\n',
  'class A:\n    async for a in b:\n        pass\n',
  'def f():\n    await g()\n',
  'def f():\n    async with a:\n        pass\n',
  'f = lambda: await x\n',
  'async def f():\n    return [await g() for _ in range(2)]\nawait f()\n',
  'return 5\n',
  'yield 5\n',
  'x = yield\n',
  'await x\nreturn 1\n',
  'import os\nfrom __future__ import annotations\n',
  'import os; from __future__ import division\n',
  'x = 1\nfrom __future__ import print_function, division\nprint(1 / 2)\n',
  'if True:\n    from __future__ import division\n',
  'def f():\n    from __future__ import division\n',
  'x = 1\nfrom __future__ import braces\n',
  'x = 1\nfrom __future__ import nosuch\n',
  '"""doc"""\nfrom __future__ import annotations\nimport torch\n',
  'await asyncio.sleep(0)\nfrom __future__ import annotations\n',
  'nonlocal x\n',
  'await = 3\n',
  'async = 3\n',
  'print(await)\n',
  'await\n',
  'x = await\n',
  'async def g():\n    yield 1\nawait anext(g())\n',
  'try:\n    await f()\nexcept ValueError:\n    await g()\n',
  'with open(p) as f:\n    text = await read(f)\n',
  'while not done:\n    done = await step()\nelse:\n    await close()\n',
];

/**
 * The bodies of the `async def` statements (functions and methods, with a one-line header) of real code, dedented:
 * what a notebook cell runs at the top level.
 */
function asyncBodies(texts: string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      const head = /^( *)async def [^#]*\):\s*$/.exec(line) ?? /^( *)async def [^#]*\) -> [^#]*:\s*$/.exec(line);
      if (!head) return;
      const indent = `${head[1]}    `;
      const body: string[] = [];
      for (let j = i + 1; j < lines.length && (!lines[j].trim() || lines[j].startsWith(indent)); j++) body.push(lines[j].slice(indent.length));
      if (body.some((l) => l.trim())) out.push(`${body.join('\n')}\n`);
    });
  }
  return out;
}

describe("A notebook's cells: the parser against IPython's way of compiling them", () => {
  test('cell programs and the bodies of real async functions: the texts with a syntax error are exactly those python3 refuses when it compiles them as IPython does', { skip: SKIP }, async () => {
    const stdlib = execFileSync(python!, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
    const texts: string[] = [];
    for (const rel of ['asyncio/tasks.py', 'asyncio/streams.py', 'asyncio/base_events.py', 'asyncio/queues.py', 'contextlib.py']) {
      const p = path.join(stdlib, rel);
      if (fs.existsSync(p)) texts.push(fs.readFileSync(p, 'utf8'));
    }
    const bodies = asyncBodies(texts);
    const programs = [...CELL_PROGRAMS, ...bodies];
    const verdicts = (await pythonVerdicts([], [], programs)).cells;
    const disagree: string[] = [];
    programs.forEach((text, i) => {
      const mine = ours(text, [], 'cells');
      const py = verdicts[i];
      if (!!mine !== !!py || (mine && py && mine.line !== py[1])) {
        disagree.push(`${text}\n  python3 ${py ? `refuses (line ${py[1]}: ${py[0]})` : 'compiles it'}, the parser ${mine ? `says line ${mine.line}: ${mine.message}` : 'accepts it'}`);
      }
    });
    assert.ok(bodies.length >= 20, `${bodies.length} async bodies`);
    assert.ok(verdicts.filter(Boolean).length >= 15 && verdicts.filter((v) => !v).length >= 20, 'both verdicts among the programs');
    assert.deepEqual(disagree, []);
    // As a module, a cell program with a top-level await is refused, as python3 refuses it.
    assert.equal(ours(CELL_PROGRAMS[0])?.message, "'await' outside function");
  });
});

function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

test('a backslash at the end of a line joins it to the next: two expressions side by side there are one statement with a syntax error, as python3 says', () => {
  const errorsOf = (src: string) => parsePython(src).module.errors.map((e) => ({ line: src.slice(0, e.from).split('\n').length, message: e.message }));
  // Refused by python3 ("invalid syntax" on the second line): a docstring that lost its `=`, a name, a number.
  assert.deepEqual(errorsOf('Callable.__doc__  \\\n    """Deprecated alias."""\n'), [{ line: 2, message: 'invalid syntax' }]);
  assert.deepEqual(errorsOf('x = a \\\n  "doc"\n'), [{ line: 2, message: 'invalid syntax' }]);
  assert.deepEqual(errorsOf('x  \\\r\n  1\r\n'), [{ line: 2, message: 'invalid syntax' }]);
  assert.deepEqual(parsePython('x  \\\n  y\nz = 1\n').module.body.map((s) => s.kind), ['expr', 'assign'], 'read up to the error, as on one line; the next line parses');
  // Accepted: continuations that join an operator, a condition, strings; a backslash in a comment continues nothing.
  assert.deepEqual(errorsOf('x = a \\\n  + b\nif a and \\\n   b:\n    pass\ny = "a" \\\n  "b"\n'), []);
  assert.deepEqual(errorsOf('f(a,  # a comment \\\n  b)\n'), []);
});

test('escapes Python refuses are said in every string of a file, however far apart its backslashes stand', () => {
  const errorsOf = (src: string) => parsePython(src).module.errors.map((e) => ({ line: src.slice(0, e.from).split('\n').length, message: e.message }));
  const plain = Array.from({ length: 200 }, (_, i) => `s${i} = "no escape here"`);
  const src = [
    ...plain,
    'a = "fine \\n"',
    ...plain,
    'b = "bad \\x4"',
    "c = f'{a} \\N{BULLET} ok'",
    ...plain,
    'd = b"bad \\x"',
    'e = r"\\x raw"',
    "g = f'{a} bad \\N{'",
    ...plain,
    '',
  ].join('\n');
  assert.deepEqual(
    errorsOf(src).map((e) => [e.line, (e.message ?? '').replace(/ in position .*$/, '')]),
    [
      [402, "(unicode error) 'unicodeescape' codec can't decode bytes"],
      [604, '(value error) invalid \\x escape at position 4'],
      [606, "(unicode error) 'unicodeescape' codec can't decode bytes"],
    ],
  );
});
