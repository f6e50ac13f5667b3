/**
 * Dicts of keyword arguments unpacked into calls (`Conv2D(filters=w, **options)`, `nn.Linear(a, b, **dd)`): the keys
 * one can carry, when the code shows them all. That is a dict written as a literal of string keys (or `dict(k=v, …)`),
 * changed only by `name.update(…)` given such a literal or another such dict, and otherwise only unpacked with `**`.
 * Anything else (a key set by subscript, `setdefault`, the dict passed to a function or bound to another name, a
 * computed key) leaves its keys unknown.
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

  /**
   * The keys of dict `id` bound in `scope`: every binding a literal (several on different paths: their keys together,
   * a key two of them give having no one value), every other mention a `**id`, an `id.update(…)` whose argument's keys
   * are known (a literal, or a dict of known keys itself), or the argument of another dict's `update`.
   */
  private keysIn(id: string, scope: Scope, depth = 0): KnownKeys | undefined {
    const found = this.model.lookup(id, scope);
    if (!found?.bindings.length || depth > 3) return undefined;
    const keys = new Map<string, Expr | null>();
    for (const b of found.bindings) {
      // One target each: `self.kw = kw = {…}` lets the dict be changed through the other.
      if (b.kind !== 'assign' || !b.value || b.stmt.kind !== 'assign' || b.stmt.targets.length !== 1) return undefined;
      const lit = this.literalKeys(b.value, found.scope);
      if (!lit) return undefined;
      for (const [k, v] of lit) keys.set(k, keys.has(k) || found.bindings.length > 1 ? null : v);
    }
    const body = found.scope.fn?.def.body ?? found.scope.cls?.def.body ?? (found.scope.kind === 'module' ? this.model.module.body : undefined);
    if (!body) return undefined;
    let mentions = 0;
    let accounted = found.bindings.length;
    let ok = true;
    walkModule(body, {
      expr: (e) => {
        if (!ok) return;
        if (e.kind === 'name' && e.id === id) mentions++;
        else if (e.kind === 'call') {
          for (const x of e.args) if (x.star === '**' && x.value.kind === 'name' && x.value.id === id) accounted++;
          const f = e.func;
          if (f.kind !== 'attr' || f.attr !== 'update' || e.args.length !== 1 || e.args[0].name || e.args[0].star) return;
          const arg = e.args[0].value;
          const onId = f.value.kind === 'name' && f.value.id === id;
          if (arg.kind === 'name' && arg.id === id && !onId) accounted++;
          if (!onId) return;
          // (A name looked up where the update is: a parameter of a nested function is no literal.)
          const given = arg.kind === 'name' ? this.keysIn(arg.id, this.model.scopeOf(e), depth + 1) : this.literalKeys(arg, found.scope);
          if (!given) ok = false;
          else {
            accounted++;
            for (const [k] of given) keys.set(k, null);
          }
        }
      },
    });
    return ok && mentions === accounted ? keys : undefined;
  }

  /** `{'a': x, 'b': y}` or `dict(a=x, b=y)` (the builtin): its keys and values. */
  private literalKeys(v: Expr, scope: Scope): readonly [string, Expr][] | undefined {
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
