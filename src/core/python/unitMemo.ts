/**
 * What is learnt of one top-level statement (its scopes, what its calls call, what a file-wide rule reads of it), kept
 * with the statement's parsed form so that the next version of a document does not work it out again.
 *
 * The key is the unit's `stmts` array: the parse of an edited document keeps the array (and its nodes) of every
 * top-level statement the edit did not touch, and their nodes' offsets move with them. So what is kept must not
 * depend on where the unit stands: node references and text, never offsets copied out of nodes.
 *
 * - `UnitMemo`: facts of the unit's own text (what it assigns, which loops it has).
 * - `StampedUnitMemo`: facts that also depend on something besides the unit, kept with a stamp of it and worked out
 *   again when the stamp differs.
 * - `ResolvedUnitMemo`: facts that also depend on what the file's names stand for (which calls construct an
 *   optimizer): kept together with `importedNames` of the model they were worked out in, and worked out again when
 *   those differ.
 */
import type { Expr, Stmt } from './ast';
import type { PythonModel } from './model';
import type { LoweredUnit } from './parse';

/** `C`: what the computation reads besides the unit (the same for every version that keeps the unit: its text). */
export class UnitMemo<T, C = void> {
  private readonly kept = new WeakMap<Stmt[], T>();

  constructor(private readonly compute: (unit: LoweredUnit, context: C) => T) {}

  of(unit: LoweredUnit, context: C): T {
    let v = this.kept.get(unit.stmts);
    if (v === undefined) {
      v = this.compute(unit, context);
      this.kept.set(unit.stmts, v);
    }
    return v;
  }
}

/** `C` as for UnitMemo; what else the value depends on is in the stamp given with each look-up. */
export class StampedUnitMemo<T, C = void> {
  private readonly kept = new WeakMap<Stmt[], { stamp: string; value: T }>();

  constructor(private readonly compute: (unit: LoweredUnit, context: C) => T) {}

  /** `stamp` undefined: worked out and not kept. `usable`: whether a value kept with the same stamp still applies. */
  of(unit: LoweredUnit, stamp: string | undefined, context: C, usable?: (value: T) => boolean): T {
    if (stamp === undefined) return this.compute(unit, context);
    const k = this.kept.get(unit.stmts);
    if (k && k.stamp === stamp && (!usable || usable(k.value))) return k.value;
    const value = this.compute(unit, context);
    this.kept.set(unit.stmts, { stamp, value });
    return value;
  }
}

export class ResolvedUnitMemo<T> {
  private readonly memo: StampedUnitMemo<T, PythonModel>;

  constructor(compute: (model: PythonModel, unit: LoweredUnit) => T) {
    this.memo = new StampedUnitMemo((unit, model) => compute(model, unit));
  }

  /** With the project's modules, a dotted name resolves through them as a whole: nothing is kept. */
  of(model: PythonModel, unit: LoweredUnit): T {
    return this.memo.of(unit, importedNames(model), model);
  }
}

const namesOfModel = new WeakMap<PythonModel, string | undefined>();

/**
 * What the module-level names of a file stand for, as one string: `name=qualified.name` for each that denotes an
 * imported thing, and the star imports. Within a top-level statement whose text did not change, a dotted name
 * resolves (`model.qname`) through the statement's own bindings down to module-level names: with the same string, it
 * resolves to the same qualified name. A name that resolves to none counts only under a star import, which lends
 * qualified names to the names no binding holds. Undefined when the analysis follows the project's modules.
 */
function importedNames(model: PythonModel): string | undefined {
  if (namesOfModel.has(model)) return namesOfModel.get(model);
  let out: string | undefined;
  if (!model.project) {
    const scope = model.moduleScope;
    const star = scope.starImports.length > 0;
    const parts = [scope.starImports.map((m) => m.module).join(',')];
    for (const [name, bindings] of scope.bindings) {
      // A class or function of the file among its bindings: it stands for no imported thing (qname finds none).
      if (!star && bindings.some((b) => b.kind === 'def' || b.kind === 'class')) continue;
      const ref: Expr = { kind: 'name', id: name, from: -1, to: -1 };
      const q = model.qname(ref, scope);
      if (q !== undefined || star) parts.push(`${name}=${q ?? ''}`);
    }
    out = parts.join(';');
  }
  namesOfModel.set(model, out);
  return out;
}
