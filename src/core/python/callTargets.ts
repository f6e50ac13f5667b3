/**
 * Which class or plain function of the file each call calls (calls.ts groups the calls by it), kept per top-level
 * statement across the versions of a document.
 *
 * What a statement's calls resolve to depends on its own text and on what its names can reach (the module body, the
 * classes and functions it names, transitively): the unit cache (rules/incremental.ts) hashes that into a stamp per
 * statement. A statement whose nodes are the same objects as in the last version (the same `LoweredUnit.stmts`), with
 * the same stamp and whose targets all belong to the current model (their scopes kept too, see unitScopes.ts), reuses
 * what its calls were found to call; the others are resolved again.
 */
import type { CallExpr, Stmt } from './ast';
import type { ParsedPython } from './parse';
import type { PythonModel } from './model';
import type { ClassInfo, FunctionInfo, Scope } from './scopes';
import type { Symbols } from './symbols';
import { StampedUnitMemo } from './unitMemo';

export type CallTarget = FunctionInfo | ClassInfo;

type Found = [CallExpr, CallTarget][];

export class CallTargetCache {
  /** Per statement, with its stamp: its calls that call one class or plain function, given how to resolve a call. */
  private readonly kept = new StampedUnitMemo<Found, (call: CallExpr) => CallTarget | undefined>((lu, resolve) => {
    const found: Found = [];
    for (const call of lu.calls) {
      const t = resolve(call);
      if (t) found.push([call, t]);
    }
    return found;
  });
  private stamps?: { model: Symbols; of: (stmts: readonly Stmt[]) => string | undefined };

  /** What the targets of each statement's calls depend on in `model` (undefined: resolve them every time). */
  stamp(model: Symbols, of: (stmts: readonly Stmt[]) => string | undefined): void {
    this.stamps = { model, of };
  }

  /** The calls of the parse that call one class or plain function of the model, in order, with it. */
  targets(model: Symbols, parsed: ParsedPython, resolve: (call: CallExpr) => CallTarget | undefined): Found {
    const stamps = this.stamps?.model === model ? this.stamps : undefined;
    const ours = (found: Found) => found.every(([, t]) => t.scope.owner === model);
    const out: Found = [];
    for (const lu of parsed.units) for (const x of this.kept.of(lu, stamps?.of(lu.stmts), resolve, ours)) out.push(x);
    return out;
  }
}

/**
 * The class or plain function (no method) of the project a call calls, when it calls exactly one: what the file's own
 * calls are grouped by, what a call of another module's class decides, what a helper's parameter is handed to.
 */
export function callTargetOf(model: PythonModel, call: CallExpr, scope: Scope = model.scopeOf(call)): CallTarget | undefined {
  const cs = model.callables(call.func, scope);
  if (cs.length !== 1) return undefined;
  const c = cs[0].value;
  return c.kind === 'class' ? c.cls : c.kind === 'helper' && !c.fn.cls ? c.fn : undefined;
}
