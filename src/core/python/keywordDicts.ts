/**
 * Dicts of keyword arguments unpacked into calls (`Conv2D(filters=w, **options)`, `nn.Linear(a, b, **dd)`): the keys
 * one can carry, when the code shows them all. That is a dict written as a literal of string keys (or `dict(k=v, …)`)
 * and bound once, changed only by `name.update(…)` statements given such literals (or names bound only to such
 * literals), and otherwise only unpacked with `**`. Anything else (a key set by subscript, the dict passed to a
 * function, a computed key) leaves its keys unknown.
 */
import type { Arg, CallExpr, Expr } from './ast';
import type { PythonModel } from './model';
import type { Scope } from './scopes';
import { walkModule } from './walk';

/** Per key: its value when one literal gives it, null when an update sets it (which value wins depends on the path). */
export type KnownKeys = ReadonlyMap<string, Expr | null>;

export class KeywordDicts {
  private readonly memo = new Map<Scope, Map<string, KnownKeys | null>>();

  constructor(private readonly model: PythonModel) {}

  /** The keys a `**name` argument of a call carries; undefined when they are not known (or it is no `**name`). */
  keysOf(a: Arg, call: CallExpr): KnownKeys | undefined {
    if (a.star !== '**' || a.value.kind !== 'name') return undefined;
    const id = a.value.id;
    const found = this.model.lookup(id, this.model.scopeOf(call));
    if (!found) return undefined;
    let memo = this.memo.get(found.scope);
    if (!memo) this.memo.set(found.scope, (memo = new Map()));
    let keys = memo.get(id);
    if (keys === undefined) memo.set(id, (keys = this.keysIn(id, found.scope) ?? null));
    return keys ?? undefined;
  }

  private keysIn(id: string, scope: Scope): KnownKeys | undefined {
    const found = this.model.lookup(id, scope);
    const b = found?.bindings.length === 1 ? found.bindings[0] : undefined;
    // One target: `self.kw = kw = {…}` lets the dict be changed through the other.
    if (b?.kind !== 'assign' || !b.value || b.stmt.kind !== 'assign' || b.stmt.targets.length !== 1) return undefined;
    const initial = this.literalKeys(b.value, scope);
    if (!initial) return undefined;
    const keys = new Map<string, Expr | null>(initial);
    const body = scope.fn?.def.body ?? scope.cls?.def.body ?? (scope.kind === 'module' ? this.model.module.body : undefined);
    if (!body) return undefined;
    // Every mention of the name: its binding, a `**name`, or the receiver of an update whose keys are known.
    let mentions = 0;
    let accounted = 1;
    let ok = true;
    walkModule(body, {
      expr: (e) => {
        if (!ok) return;
        if (e.kind === 'name' && e.id === id) mentions++;
        else if (e.kind === 'call') {
          for (const x of e.args) if (x.star === '**' && x.value.kind === 'name' && x.value.id === id) accounted++;
          const f = e.func;
          if (f.kind === 'attr' && f.attr === 'update' && f.value.kind === 'name' && f.value.id === id) {
            const given = e.args.length === 1 && !e.args[0].name && !e.args[0].star ? this.updateKeys(e.args[0].value, scope) : undefined;
            if (!given) ok = false;
            else {
              accounted++;
              for (const k of given) keys.set(k, null);
            }
          }
        }
      },
    });
    return ok && mentions === accounted ? keys : undefined;
  }

  /** The keys an update's argument gives: a literal, or a name every binding of which is a literal. */
  private updateKeys(e: Expr, scope: Scope): string[] | undefined {
    if (e.kind !== 'name') return this.literalKeys(e, scope)?.map(([k]) => k);
    const found = this.model.lookup(e.id, scope);
    if (!found?.bindings.length) return undefined;
    const out: string[] = [];
    for (const b of found.bindings) {
      const lit = b.kind === 'assign' && b.value ? this.literalKeys(b.value, found.scope) : undefined;
      if (!lit) return undefined;
      for (const [k] of lit) out.push(k);
    }
    return out;
  }

  /** `{'a': x, 'b': y}` or `dict(a=x, b=y)` (the builtin): its keys and values. */
  private literalKeys(v: Expr, scope: Scope): [string, Expr][] | undefined {
    if (v.kind === 'dict') {
      const out: [string, Expr][] = [];
      for (const it of v.items) {
        if (it.key?.kind !== 'string' || it.key.value === undefined) return undefined;
        out.push([it.key.value, it.value]);
      }
      return out;
    }
    if (v.kind === 'call' && v.func.kind === 'name' && v.func.id === 'dict' && !this.model.lookup('dict', scope)) {
      const out: [string, Expr][] = [];
      for (const x of v.args) {
        if (x.star || x.name === undefined) return undefined;
        out.push([x.name, x.value]);
      }
      return out;
    }
    return undefined;
  }
}
