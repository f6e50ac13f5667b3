/**
 * The tokenizer-level checks that @lezer/python does not make (src/core/python/lexical.ts), held to Python itself:
 * every broken snippet is one Python rejects, every valid one is one it compiles, and the whole standard library of
 * the machine's python3 (what Python compiles) gives no error at all.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lexicalErrors } from '../../src/core/python/lexical';
import { parsePython } from '../../src/core/python/parse';
import { fixText, lintText } from '../../src/core/lint';

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0 ? 'python3' : undefined;

/** Which of the snippets Python refuses to compile (true = SyntaxError or TabError). */
function pythonRejects(snippets: string[]): boolean[] {
  const script = 'import json,sys\nout=[]\nfor s in json.load(sys.stdin):\n    try:\n        compile(s, "<s>", "exec", dont_inherit=True); out.append(False)\n    except (SyntaxError, ValueError):\n        out.append(True)\nprint(json.dumps(out))';
  return JSON.parse(execFileSync(python!, ['-c', script], { input: JSON.stringify(snippets), encoding: 'utf8' })) as boolean[];
}

const BROKEN: [string, string, string][] = [
  ['a one-line string that reaches the end of its line', 'import torch.nn as nn\ns = "oops\nm = nn.Conv2d(3, 3, 3)\n', 'unterminated string literal'],
  ['a single-quoted string left open at the end of the file', "x = 'abc", 'unterminated string literal'],
  ['a raw string whose last backslash escapes the quote', 'p = r"C:\\path\\"\n', 'unterminated string literal'],
  ['a triple-quoted string never closed', 'x = 1\n"""doc\nmore\n', 'unterminated triple-quoted string literal'],
  ['a line indented for no block', 'import torch\n        x = 1\ny = 2\n', 'unexpected indent'],
  ['the first line indented', '  import torch\n', 'unexpected indent'],
  ['a dedent to a column never used', 'def f():\n        x = 1\n    y = 2\n', 'unindent does not match any outer indentation level'],
  ['a block header with nothing under it', 'def f():\nx = 1\n', 'expected an indented block'],
  ['a block header at the end of the file', 'class Model:\n', 'expected an indented block'],
  ['a header followed only by a comment', 'for i in range(3):\n# nothing\nprint(i)\n', 'expected an indented block'],
  ['tabs and spaces that mean different things at tab size 8 and 1', 'if True:\n\tx = 1\n        y = 2\n', 'inconsistent use of tabs and spaces in indentation'],
];

const VALID: [string, string][] = [
  ['f-strings with nested quotes and braces', 'x = f"{d[\'a\']} {{literal}} {y!r:>{w}}"\ny = f\'{"q"}\'\n'],
  ['a raw string with an escaped quote', 'p = r"a\\"b"\nq = r\'\\\'\'\n'],
  ['a backslash carrying a string to the next line', 's = "abc\\\ndef"\n'],
  ['explicit and implicit line joins with odd indentation', 'x = 1 + \\\n        2\ny = (1,\n  2,\n      3)\nif (x and\n        y):\n    pass\n'],
  ['comments and blank lines at any indentation', 'def f():\n        # deep comment\n\n  # shallow comment\n    return 1\n'],
  ['one-line compound statements and the walrus', 'if x: y = 1\nwhile (n := n - 1): pass\nclass A: pass\n'],
  ['a dict, a slice and a lambda with colons ending inside brackets', 'd = {\n    "a":\n        1,\n}\nf = lambda: 0\nx = y[1:\n  2]\n'],
  ['decorators, async and nested blocks', '@dec\nasync def f():\n    async with a as b:\n        for i in x:\n            if i:\n                continue\n    return 2\n'],
  ['strings holding # and quotes of the other kind', 's = "# not a comment"\nt = \'say "hi"\'\nu = """one\n"two"\n\'\'\'"""\n'],
  ['CRLF line endings', 'def f():\r\n    return 1\r\n'],
  ['consistent tabs', 'if True:\n\tif True:\n\t\tx = 1\n\ty = 2\n'],
  ['a form feed before a definition', 'x = 1\n\f\ndef f():\n    pass\n'],
  ['string prefixes', 'a = b"x" + rb"y" + Br"z"\nc = u"w" + F"{a}" + fR"{a}"\n'],
  ['the last line without a newline', 'def f():\n    return 1'],
];

describe('lexical errors: what Python rejects and @lezer/python lets through', () => {
  for (const [name, text, message] of BROKEN) {
    test(`flagged: ${name}`, () => {
      const errors = lexicalErrors(text);
      assert.ok(errors.length > 0, 'an error is reported');
      assert.equal(errors[0].message, message);
      assert.ok(parsePython(text).module.errors.length > 0, 'the parse reports it too');
    });
  }

  for (const [name, text] of VALID) {
    test(`not flagged: ${name}`, () => {
      assert.deepEqual(lexicalErrors(text), []);
    });
  }

  test('Python agrees with every verdict above', { skip: python ? false : 'python3 is not installed' }, () => {
    const verdicts = pythonRejects([...BROKEN.map((b) => b[1]), ...VALID.map((v) => v[1])]);
    BROKEN.forEach(([name], i) => assert.equal(verdicts[i], true, `Python rejects: ${name}`));
    VALID.forEach(([name], i) => assert.equal(verdicts[BROKEN.length + i], false, `Python compiles: ${name}`));
  });

  test("every file of python3's standard library that Python compiles gives no lexical error", { skip: python ? false : 'python3 is not installed' }, () => {
    const stdlib = execFileSync(python!, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
    const files: string[] = [];
    const walk = (d: string) => {
      for (const name of fs.readdirSync(d).sort()) {
        const p = path.join(d, name);
        const st = fs.lstatSync(p);
        if (st.isDirectory() && name !== 'site-packages' && name !== '__pycache__') walk(p);
        else if (st.isFile() && name.endsWith('.py')) files.push(p);
      }
    };
    walk(stdlib);
    const script = 'import sys,warnings\nwarnings.simplefilter("ignore")\nfor p in sys.stdin.read().split("\\n"):\n    try:\n        compile(open(p, "rb").read(), p, "exec", dont_inherit=True)\n    except Exception:\n        print(p)';
    const rejected = new Set(execFileSync(python!, ['-c', script], { input: files.join('\n'), encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n').filter(Boolean));
    let checked = 0;
    const wrong: string[] = [];
    for (const f of files) {
      if (rejected.has(f)) continue;
      let text: string;
      try {
        text = fs.readFileSync(f, 'utf8');
      } catch {
        continue;
      }
      checked++;
      const errors = lexicalErrors(text);
      if (errors.length) wrong.push(`${path.relative(stdlib, f)}: ${errors[0].message} at ${errors[0].from}`);
    }
    assert.ok(checked > 500, `${checked} files checked in ${stdlib}`);
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${checked} valid files flagged`);
  });
});

describe('lexical errors in lint and fix', () => {
  test('an unterminated string: reported as a syntax error with its message, and --fix changes nothing', () => {
    const text = 'import torch.nn as nn\ns = "oops\nm = nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3))\n';
    assert.ok(lintText(text).syntaxErrors.length > 0);
    const fix = fixText(text);
    assert.equal(fix.output, text);
    assert.equal(fix.refused, 'The file does not parse cleanly (syntax error at line 2, column 5: unterminated string literal); nothing was changed.');
  });

  test('an unexpected indent: --fix changes nothing', () => {
    const text = 'import torch.nn as nn\nm = nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3))\n    x = 1\n';
    assert.equal(fixText(text).output, text);
    assert.match(fixText(text).refused ?? '', /line 3, column 1: unexpected indent/);
  });

  test('the same file without the error is fixed', () => {
    const text = 'import torch.nn as nn\nm = nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3))\n';
    assert.notEqual(fixText(text).output, text);
  });
});
