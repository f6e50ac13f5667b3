/**
 * Keyword arguments that reach a layer through helpers' `**kwargs`, for conv-bias-before-batchnorm: whether a call's
 * keywords get to the layer at all, and what the helpers do to one key of the dict on the way
 * (`kwargs.setdefault("bias", False)`, `kwargs["bias"] = …`, `kwargs.pop("bias")`).
 */
import type { CallExpr, Expr, IfStmt, LoopStmt, OtherStmt, Stmt, TryStmt, WithStmt } from '../python/ast';
import type { FunctionInfo, LayerInstance } from '../python/model';
import { StmtWalker } from '../python/walk';

export interface ChainLink {
  fn: FunctionInfo;
  /** The call in `fn` that leads on: the next helper's call, or the layer's own construction for the last link. */
  call: CallExpr;
}

/** The helpers a layer is built through, outermost first (empty when it is built where it stands). */
export function helperChain(inst: LayerInstance): ChainLink[] {
  const out: ChainLink[] = [];
  for (let x: LayerInstance | undefined = inst; x?.helper; x = x.helper.inner) out.push({ fn: x.helper.fn, call: x.helper.inner.site });
  return out;
}

/** The name of a function's `**` parameter. */
function kwName(fn: FunctionInfo): string | undefined {
  return fn.def.params.find((p) => p.star === '**')?.name;
}

/** Whether the keywords of the outermost call reach the layer: every helper passes its `**` parameter on with `**`. */
export function forwardsKwargs(chain: readonly ChainLink[]): boolean {
  return (
    chain.length > 0 &&
    chain.every(({ fn, call }) => {
      const name = kwName(fn);
      return !!name && call.args.some((a) => a.star === '**' && a.value.kind === 'name' && a.value.id === name);
    })
  );
}

/**
 * What the helpers do to `key` of the keywords they pass on, outermost first: nothing; remove it; give it a default
 * (`setdefault`) or a value; or something this cannot tell (a change under a condition, a key that is computed, the
 * dict bound again or updated from another one).
 */
export type KwEffect = { kind: 'none' } | { kind: 'removed' } | { kind: 'default' | 'set'; value: Expr; fn: FunctionInfo } | { kind: 'unknown' };

export function kwargsEffect(chain: readonly ChainLink[], key: string): KwEffect {
  let effect: KwEffect = { kind: 'none' };
  for (const { fn } of chain) {
    const name = kwName(fn);
    if (!name) continue;
    const w = new KeyChanges(name, key);
    w.walk(fn.def.body);
    for (const c of w.changes) {
      if (c.kind === 'unknown') return c;
      if (c.kind === 'removed') effect = c;
      else if (c.kind === 'set') effect = { kind: 'set', value: c.value, fn };
      // A default counts only while nothing set the key: the caller's keyword, or an earlier helper's.
      else if (c.kind === 'default' && effect.kind !== 'set' && effect.kind !== 'default') effect = { kind: 'default', value: c.value, fn };
    }
  }
  return effect;
}

type Change = { kind: 'removed' } | { kind: 'default' | 'set'; value: Expr } | { kind: 'unknown' };

/** The statements of one function (not of the functions and classes in it) that change `key` of the dict `name`. */
class KeyChanges extends StmtWalker {
  readonly changes: Change[] = [];
  /** Inside a branch, a loop, a `with` or a `try`: a change there may or may not happen. */
  private nested = 0;

  constructor(
    private readonly name: string,
    private readonly key: string,
  ) {
    super();
  }

  private add(c: Change): void {
    this.changes.push(this.nested && c.kind !== 'unknown' ? { kind: 'unknown' } : c);
  }

  /** What a call on the dict does to the key (`d.setdefault(k, v)`, `d.pop(k)`, `d.update(k=v)`, `d.clear()`). */
  private call(e: Expr): void {
    if (e.kind !== 'call' || e.func.kind !== 'attr' || e.func.value.kind !== 'name' || e.func.value.id !== this.name) return;
    const args = e.args;
    switch (e.func.attr) {
      case 'setdefault':
      case 'pop': {
        const k = args[0];
        if (!k || k.name || k.star || k.value.kind !== 'string' || k.value.value === undefined) return this.add({ kind: 'unknown' });
        if (k.value.value !== this.key) return;
        if (e.func.attr === 'pop') return this.add({ kind: 'removed' });
        const v = args[1];
        return this.add(v && !v.name && !v.star ? { kind: 'default', value: v.value } : { kind: 'unknown' });
      }
      case 'update': {
        for (const a of args) {
          if (a.star || !a.name) return this.add({ kind: 'unknown' });
          if (a.name === this.key) this.add({ kind: 'set', value: a.value });
        }
        return;
      }
      case 'clear':
      case 'popitem':
        return this.add({ kind: 'unknown' });
    }
  }

  private isName(e: Expr): boolean {
    return e.kind === 'name' && e.id === this.name;
  }

  /** `d[k] = v` (or `del d[k]`): the key written, or unknown when it is computed. */
  private item(target: Expr, value: Expr | undefined): void {
    if (this.isName(target)) return this.add({ kind: 'unknown' });
    if (target.kind === 'tuple') {
      for (const t of target.elts) this.item(t, undefined);
      return;
    }
    if (target.kind !== 'subscript' || !this.isName(target.value)) return;
    const k = target.index.length === 1 ? target.index[0] : undefined;
    if (!k || k.kind !== 'string' || k.value === undefined) return this.add({ kind: 'unknown' });
    if (k.value !== this.key) return;
    this.add(value ? { kind: 'set', value } : { kind: 'removed' });
  }

  protected override onAssign(s: Extract<Stmt, { kind: 'assign' }>): void {
    for (const t of s.targets) this.item(t, s.value);
    if (s.value) this.call(s.value);
  }

  protected override onAugAssign(s: Extract<Stmt, { kind: 'augassign' }>): void {
    if (this.isName(s.target) || (s.target.kind === 'subscript' && this.isName(s.target.value))) this.add({ kind: 'unknown' });
  }

  protected override onExpr(s: Extract<Stmt, { kind: 'expr' }>): void {
    this.call(s.value);
  }

  protected override onOther(s: OtherStmt): void {
    if (s.what === 'DeleteStatement') for (const e of s.exprs) this.item(e, undefined);
  }

  protected override onDef(): void {}

  protected override onClass(): void {}

  private inside(walk: () => void): void {
    this.nested++;
    walk();
    this.nested--;
  }

  protected override onIf(s: IfStmt): void {
    this.inside(() => super.onIf(s));
  }

  protected override onLoop(s: LoopStmt): void {
    this.inside(() => super.onLoop(s));
  }

  protected override onWith(s: WithStmt): void {
    this.inside(() => super.onWith(s));
  }

  protected override onTry(s: TryStmt): void {
    this.inside(() => super.onTry(s));
  }
}
