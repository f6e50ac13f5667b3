/**
 * The scopes of a document across its versions: each top-level statement's scopes are built once (scopes.ts) and kept
 * for as long as the parser hands the next version the same statements (the same `LoweredUnit.stmts` array, whose
 * nodes are the same objects); only the module scope is assembled anew, from what each statement binds in it, in order.
 *
 * What a statement's scopes hold reads offsets from its nodes (never copies of them), so a statement moved by an edit
 * before it keeps them. The scopes of the statements of one version are re-attached to the module scope of the newest
 * model (their `parent` and `outer`): a model of an older version must not be used once a newer one is built.
 */
import type { ClassDef, Expr, FunctionDef, Stmt } from './ast';
import { CallTargetCache } from './callTargets';
import type { ParsedPython } from './parse';
import { UnitMemo } from './unitMemo';
import { collectStatements, Scope, type Binding, type StarImport, type ClassInfo, type FileScopes, type FunctionInfo, type StatementIndex } from './scopes';

/** What one top-level statement contributes: its scopes, and what it binds in a stand-in module scope. */
interface UnitScopes {
  scopes: FileScopes;
  /** Its functions and classes defined in the module scope (their scope's parent and their `outer` are it). */
  top: (FunctionInfo | ClassInfo)[];
  /** What it binds in the module scope, name by name in order (as its own module scope's `bindings` lists them). */
  binds: { name: string; bindings: Binding[] }[];
  /** Its functions' and classes' scopes in the order of their bodies (which a move keeps). */
  bodies: Scope[];
  /** Its star imports, if it has any (read here without reaching into its module scope). */
  star?: readonly StarImport[];
}

/** The scopes of one version: `FileScopes` with the statements of values and the names bound answered from its units'. */
export interface AssembledScopes extends Omit<FileScopes, 'statementOf' | 'allNames'> {
  statementOf: StatementIndex;
  allNames: () => Set<string>;
  /** The scopes of the functions and classes, in the order of their bodies' starts. */
  bodies: Scope[];
}

/** The scopes of a whole module built in one pass, as assembled ones. */
export function wholeFile(s: FileScopes): AssembledScopes {
  return { ...s, allNames: () => s.allNames, bodies: inBodyOrder(s) };
}

/** The scopes of the functions and classes of `s`, in the order of their bodies' starts. */
function inBodyOrder(s: FileScopes): Scope[] {
  const scopes = [...s.functions.map((f) => f.scope), ...s.classes.map((c) => c.scope)];
  const from = scopes.map((x) => bodyOf(x).bodyFrom);
  return scopes
    .map((_, i) => i)
    .sort((a, b) => from[a] - from[b])
    .map((i) => scopes[i]);
}

/** The definition whose body a function's or class's scope is. */
export function bodyOf(scope: Scope): FunctionDef | ClassDef {
  return (scope.fn?.def ?? scope.cls?.def)!;
}

/** What a document keeps of its top-level statements from one version to the next: their scopes, their calls' targets. */
export class KeptUnits {
  readonly scopes = new ScopeCache();
  readonly calls = new CallTargetCache();
}

export class ScopeCache {
  /** Per statement, given the text it was parsed from. */
  private readonly units = new UnitMemo<UnitScopes, string>((lu, text) => {
    const scopes = collectStatements(lu.stmts, text);
    const own = scopes.moduleScope;
    const binds = [...own.bindings].map(([name, bindings]) => ({ name, bindings }));
    const star = own.starImports.length ? own.starImports : undefined;
    return { scopes, top: [...scopes.functions, ...scopes.classes].filter((x) => x.outer === own), binds, bodies: inBodyOrder(scopes), star };
  });

  /** The scopes of a parse: those of its top-level statements (built for statements not seen before), assembled. */
  collect(parsed: ParsedPython): AssembledScopes {
    const moduleScope = new Scope('module', undefined);
    const functions: FunctionInfo[] = [];
    const classes: ClassInfo[] = [];
    const parts: UnitScopes[] = [];
    // The units are in order and their bodies lie in them: their lists joined are in order.
    const bodies: Scope[] = [];
    // (Indexed loops: this runs once per version, often before the runtime optimises it, and then a `for…of`
    // allocates as it goes.)
    const lus = parsed.units;
    for (let k = 0; k < lus.length; k++) {
      const u = this.units.of(lus[k], parsed.text);
      parts.push(u);
      const binds = u.binds;
      for (let i = 0; i < binds.length; i++) {
        const { name, bindings } = binds[i];
        for (let j = 0; j < bindings.length; j++) moduleScope.bind(name, bindings[j]);
      }
      if (u.star) for (const m of u.star) moduleScope.starImports.push(m);
      const top = u.top;
      for (let i = 0; i < top.length; i++) {
        top[i].outer = moduleScope;
        top[i].scope.parent = moduleScope;
      }
      const fns = u.scopes.functions;
      for (let i = 0; i < fns.length; i++) functions.push(fns[i]);
      const cls = u.scopes.classes;
      for (let i = 0; i < cls.length; i++) classes.push(cls[i]);
      for (let i = 0; i < u.bodies.length; i++) bodies.push(u.bodies[i]);
    }
    let names: Set<string> | undefined;
    const allNames = () => {
      if (!names) {
        names = new Set();
        for (const u of parts) for (const n of u.scopes.allNames) names.add(n);
      }
      return names;
    };
    // An expression's statement is in the statement of the unit the expression is in.
    const units = parsed.units;
    const statementOf = (e: Expr): Stmt | undefined => {
      let lo = 0;
      let hi = units.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (e.from < units[mid].from) hi = mid - 1;
        else if (e.from >= units[mid].to) lo = mid + 1;
        else return parts[mid].scopes.statementOf.get(e);
      }
      return undefined;
    };
    return { moduleScope, functions, classes, allNames, statementOf: { get: statementOf }, bodies };
  }
}
