/**
 * A quick test of whether a pattern can match at a node, made before the matcher tries it there: the kinds, names,
 * operators, constants, keyword names and argument counts the pattern fixes, compared without captures, imports or
 * backtracking. It says no only where the matcher would fail (each test is a condition every match meets), so it
 * changes no finding; it keeps `nn.Conv2d($$$_, bias=True)` from being tried in full at every `Conv2d(…)` of a file.
 */
import type { Arg, Expr, Stmt } from '../python/ast';
import { sameOp } from './match';
import { metaOf, multiStatement, type CompiledPattern } from './pattern';

type Test<T> = (c: T) => boolean;

const always = () => true;
const never = () => false;

/** A test of the node a pattern starts at: an expression, or the first statement of a run. Worked out once per pattern. */
export interface QuickTest {
  expr: Test<Expr>;
  stmt: Test<Stmt>;
}

const memo = new WeakMap<CompiledPattern, QuickTest>();

export function quickTest(pat: CompiledPattern): QuickTest {
  let t = memo.get(pat);
  if (!t) {
    const first = pat.stmts[0];
    t = {
      expr: pat.expr ? exprTest(pat, pat.expr) : never,
      stmt: pat.shape === 'stmts' && first && !multiStatement(first) ? stmtTest(pat, first) : always,
    };
    memo.set(pat, t);
  }
  return t;
}

function exprTest(pat: CompiledPattern, p: Expr): Test<Expr> {
  if (p.kind === 'name') {
    const m = metaOf(p.id);
    if (m) return m.kind === 'one' ? (c) => c.kind !== 'starred' : never;
  }
  // A dotted name may be reached through an import or an alias: any name or attribute.
  if (pat.dotted(p)) return (c) => c.kind === 'name' || c.kind === 'attr';
  switch (p.kind) {
    case 'attr': {
      const value = exprTest(pat, p.value);
      const m = metaOf(p.attr);
      if (m) return m.kind === 'one' ? (c) => c.kind === 'attr' && value(c.value) : never;
      return (c) => c.kind === 'attr' && c.attr === p.attr && value(c.value);
    }
    case 'call': {
      const func = exprTest(pat, p.func);
      const args = argsTest(pat, p.args);
      return (c) => c.kind === 'call' && func(c.func) && args(c.args);
    }
    case 'const':
      return (c) => c.kind === 'const' && c.value === p.value;
    case 'binop': {
      const left = exprTest(pat, p.left);
      const right = exprTest(pat, p.right);
      return (c) => c.kind === 'binop' && sameOp(p.op, c.op) && left(c.left) && right(c.right);
    }
    case 'unary': {
      const operand = exprTest(pat, p.operand);
      return (c) => c.kind === 'unary' && sameOp(p.op, c.op) && operand(c.operand);
    }
    default:
      return (c) => c.kind === p.kind;
  }
}

/**
 * Call arguments: every keyword the pattern names is there (with a value that passes, when the pattern names each
 * keyword once); as many arguments as the pattern has, or at least those besides its `$$$` when it has some; without
 * `$$$`, positional arguments one by one.
 */
function argsTest(pat: CompiledPattern, ps: readonly Arg[]): Test<readonly Arg[]> {
  const keywords: [name: string, test: Test<Expr>][] = [];
  const positional: { star: boolean; test: Test<Expr> }[] = [];
  let many = 0;
  for (const a of ps) {
    if (a.name !== undefined) keywords.push([a.name, exprTest(pat, a.value)]);
    else if (a.star === '**') continue;
    else if (!a.star && a.value.kind === 'name' && metaOf(a.value.id)?.kind === 'many') many++;
    else positional.push({ star: !!a.star, test: exprTest(pat, a.value) });
  }
  const unique = new Set(keywords.map(([name]) => name)).size === keywords.length;
  const count = ps.length;
  return (cs) => {
    if (many ? cs.length < count - many : cs.length !== count) return false;
    for (const [name, test] of keywords) {
      let found: Arg | undefined;
      for (const c of cs) {
        if (c.name === name) {
          found = c;
          break;
        }
      }
      if (!found || (unique && !test(found.value))) return false;
    }
    if (many) return true;
    let k = 0;
    for (const c of cs) {
      if (c.name !== undefined || c.star === '**') continue;
      const p = positional[k++];
      if (!p || p.star !== !!c.star || !p.test(c.value)) return false;
    }
    return k === positional.length;
  };
}

function stmtTest(pat: CompiledPattern, p: Stmt): Test<Stmt> {
  switch (p.kind) {
    case 'expr': {
      // `$S` alone: any one statement.
      if (p.value.kind === 'name' && metaOf(p.value.id)?.kind === 'one') return always;
      const value = exprTest(pat, p.value);
      return (c) => c.kind === 'expr' && value(c.value);
    }
    case 'return': {
      if (!p.value) return (c) => c.kind === 'return' && !c.value;
      const value = exprTest(pat, p.value);
      return (c) => c.kind === 'return' && !!c.value && value(c.value);
    }
    case 'augassign': {
      const target = exprTest(pat, p.target);
      const value = exprTest(pat, p.value);
      return (c) => c.kind === 'augassign' && sameOp(p.op, c.op) && target(c.target) && value(c.value);
    }
    case 'if': {
      const test = exprTest(pat, p.test);
      return (c) => c.kind === 'if' && test(c.test);
    }
    case 'for':
    case 'while': {
      const iter = exprTest(pat, p.iter);
      return (c) => c.kind === p.kind && iter(c.iter);
    }
    case 'def':
    case 'class':
      // A name that is not a capture is compared as written.
      return metaOf(p.name) ? (c) => c.kind === p.kind : (c) => c.kind === p.kind && c.name === p.name;
    default:
      return (c) => c.kind === p.kind;
  }
}
