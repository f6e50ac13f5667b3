/**
 * conv-bias-before-batchnorm: a conv/linear layer with its bias on whose output goes straight into a
 * batch norm. Batch norm subtracts the per-channel mean of its input, so a constant per-channel bias
 * added just before it is cancelled: it is dead weight (the note: "with BN, the conv before it needs no bias").
 */
import { findArg, type Arg, type Expr, type Span } from '../python/ast';
import { roleOf, type Use } from '../python/flow';
import type { Guard, LayerInstance, PythonModel, Scope } from '../python/model';
import { addKeyword } from './edits';
import { msg, type Msg } from '../message';
import type { OffsetEdit, RawFinding, Rule, RuleContext } from './rule';

const BN_NAMES: Record<string, string> = { torch: 'BatchNorm', keras: 'BatchNormalization', flax: 'BatchNorm', nnx: 'BatchNorm' };

interface BiasOn {
  /** How the bias comes to be on, for the message (code as it is written, or a phrase). */
  how: string | Msg;
  /** The explicit `bias=True` argument, when there is one (the finding's range). */
  explicit?: Arg;
  /** Where the fix's value is evaluated (for conditional values). */
  at: { scope: Scope; offset: number } | undefined;
  /** Edits that set the bias to `value`; undefined when no edit is safe. */
  edits(value: string): OffsetEdit[] | undefined;
}

type BiasState = { state: 'on'; on: BiasOn } | { state: 'off' } | { state: 'unknown' };

interface Verdict {
  fire: boolean;
  /** When the bias is only cancelled on some paths: the guard of the batch-norm paths. */
  cond?: Guard;
  bnUse?: Use;
}

export const convBiasBeforeBatchnorm: Rule = {
  meta: {
    id: 'conv-bias-before-batchnorm',
    noteRef: { slug: 'misc-details', point: 2 },
    defaultSeverity: 'warning',
    fixable: true,
    description: 'A convolution or linear layer keeps its bias although its output goes straight into batch norm, which cancels it.',
    docs: {
      why:
        'Batch norm subtracts the per-channel mean of its input. A constant per-channel bias added just before it is subtracted again, so it never changes the output: it only costs parameters, memory and an optimizer slot. Turn it off. Checkpoints saved before the change still carry the bias weights, so load them with strict=False (PyTorch) or drop those keys.',
      before: 'self.conv = nn.Conv2d(64, 128, kernel_size=3, padding=1)\nself.bn = nn.BatchNorm2d(128)\n# forward: x = self.bn(self.conv(x))',
      after: 'self.conv = nn.Conv2d(64, 128, kernel_size=3, padding=1, bias=False)\nself.bn = nn.BatchNorm2d(128)\n# forward: x = self.bn(self.conv(x))',
    },
  },
  check(ctx) {
    return new ConvBiasCheck(ctx).run();
  },
};

class ConvBiasCheck {
  private readonly verdicts = new Map<LayerInstance, Verdict>();
  private readonly countInstanceNorm: boolean;

  constructor(private readonly ctx: RuleContext) {
    this.countInstanceNorm = !!ctx.options.instanceNormAsBatchNorm;
  }

  run(): RawFinding[] {
    const out: RawFinding[] = [];
    for (const inst of this.ctx.flow.producers()) {
      if (!this.ctx.inFocus(inst.site.from)) continue;
      const v = this.verdict(inst);
      if (!v.fire) continue;
      const bias = this.biasState(inst);
      if (bias.state !== 'on') continue;
      const f = this.finding(inst, v, bias.on);
      if (f) out.push(f);
    }
    return out.sort((a, b) => a.span.from - b.span.from);
  }

  private isBn(u: Use): boolean {
    return u.role === 'bn' || (this.countInstanceNorm && u.role === 'instnorm');
  }

  /** Whether the instance's output always (or under one condition) goes straight into batch norm. */
  private verdict(inst: LayerInstance): Verdict {
    const memo = this.verdicts.get(inst);
    if (memo) return memo;
    let v: Verdict = { fire: false };
    const role = roleOf(inst);
    if ((role === 'conv' || role === 'linear') && !inst.localClass && inst.spec.bias) {
      const uses = this.ctx.flow.usesOf(inst);
      const bn = uses.filter((u) => this.isBn(u));
      const others = uses.filter((u) => !this.isBn(u));
      if (bn.length && !others.length) v = { fire: true, bnUse: bn[0] };
      else if (bn.length) {
        const cond = discriminate(bn, others);
        if (cond) v = { fire: true, cond, bnUse: bn[0] };
      }
    }
    this.verdicts.set(inst, v);
    return v;
  }

  private finding(inst: LayerInstance, v: Verdict, on: BiasOn): RawFinding | undefined {
    const ctx = this.ctx;
    const model = ctx.model;
    const b = inst.spec.bias!;
    let value = 'False';
    if (v.cond) {
      if (!on.at || !available(model, v.cond, on.at.scope, on.at.offset)) return undefined;
      value = biasWhenNot(model, v.cond);
    }
    const edits = on.edits(value);
    const layer = calleeText(model, inst);
    const bnName = v.bnUse?.consumer ? v.bnUse.consumer.spec.name : BN_NAMES[inst.spec.framework];
    const span: Span = on.explicit ?? inst.site;
    let message: Msg;
    if (v.cond) {
      const condText = model.source(v.cond.test);
      const when = v.cond.negated ? msg('`{0}` is false', condText) : msg('`{0}` holds', condText);
      message = msg(
        '{0} keeps its bias ({1}), but when {2}, its output goes straight into {3}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters. Set {4}={5} so it exists only without batch norm.',
        layer,
        on.how,
        when,
        bnName,
        b.name,
        value,
      );
    } else {
      message = msg(
        '{0} keeps its bias ({1}), but its output goes straight into {2}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters. Set {3}=False.',
        layer,
        on.how,
        bnName,
        b.name,
      );
    }
    const title =
      inst.spec.framework === 'torch'
        ? msg('Set {0}={1} (existing checkpoints will then carry an unexpected `*.bias` key)', b.name, value)
        : msg('Set {0}={1} (existing checkpoints will then carry an unexpected `bias` weight)', b.name, value);
    const fixes = edits ? [{ title, edits, isPreferred: true }] : [];
    return { span, message, fixes };
  }

  private biasState(inst: LayerInstance): BiasState {
    const model = this.ctx.model;
    const text = this.ctx.text;
    const b = inst.spec.bias;
    if (!b || inst.localClass) return { state: 'unknown' };
    const defaultHow = msg('{0} defaults to True', b.name);
    if (!inst.helper) {
      if (model.hiddenArgs(inst.ctor) || !inst.ctor.complete) return { state: 'unknown' };
      const r = model.argOf(inst, b.name, b.index);
      const at = { scope: inst.ctorScope, offset: inst.ctor.from };
      if (r.value) {
        const lit = truth(r.value);
        if (lit === undefined) return { state: 'unknown' };
        if (!lit) return { state: 'off' };
        if (!r.fromPartial && r.arg) {
          const arg = r.arg;
          return { state: 'on', on: { how: model.source(arg), explicit: arg, at, edits: (v) => [{ from: arg.value.from, to: arg.value.to, text: v }] } };
        }
        if (r.arg?.name) return { state: 'on', on: { how: msg('set by a partial'), at, edits: (v) => addKeyword(text, inst.ctor, `${b.name}=${v}`) } };
        return { state: 'unknown' };
      }
      if (!b.default) return { state: 'off' };
      return { state: 'on', on: { how: defaultHow, at, edits: (v) => addKeyword(text, inst.ctor, `${b.name}=${v}`) } };
    }

    // Created by a helper function: the bias is set inside it, maybe from one of its parameters.
    const fn = inst.helper.fn;
    const site = inst.site;
    const ctor = inst.ctor;
    const kwParam = fn.def.params.find((p) => p.star === '**');
    const forwardsKw = !!kwParam && ctor.args.some((a) => a.star === '**' && a.value.kind === 'name' && a.value.id === kwParam.name);
    if (ctor.args.some((a) => a.star && !(forwardsKw && a.star === '**' && a.value.kind === 'name' && a.value.id === kwParam!.name))) return { state: 'unknown' };
    if (!site.complete || !ctor.complete) return { state: 'unknown' };
    const r = model.argOf(inst, b.name, b.index);
    const siteAt = { scope: inst.siteScope, offset: site.from };
    if (r.value && r.value.kind === 'name' && !r.fromPartial) {
      const pIndex = fn.def.params.findIndex((p) => p.name === (r.value as { id: string }).id && !p.star);
      if (pIndex >= 0) {
        const p = fn.def.params[pIndex];
        if (model.hiddenArgs(site)) return { state: 'unknown' };
        const siteArg = findArg(site, p.name, pIndex);
        const value = siteArg?.value ?? p.default;
        if (!value) return { state: 'unknown' };
        const lit = truth(value);
        if (lit === undefined) return { state: 'unknown' };
        if (!lit) return { state: 'off' };
        if (siteArg)
          return { state: 'on', on: { how: model.source(siteArg), explicit: siteArg, at: siteAt, edits: (v) => [{ from: siteArg.value.from, to: siteArg.value.to, text: v }] } };
        return {
          state: 'on',
          on: { how: msg('{0}() defaults {1} to {2}', fn.def.name, p.name, model.source(p.default!)), at: siteAt, edits: (v) => addKeyword(text, site, `${p.name}=${v}`) },
        };
      }
    }
    if (forwardsKw) {
      // `helper(..., bias=X)` reaches the layer through **kwargs.
      const siteKw = site.args.find((a) => a.name === b.name);
      if (siteKw) {
        const lit = truth(siteKw.value);
        if (lit === undefined) return { state: 'unknown' };
        if (!lit) return { state: 'off' };
        return { state: 'on', on: { how: model.source(siteKw), explicit: siteKw, at: siteAt, edits: (v) => [{ from: siteKw.value.from, to: siteKw.value.to, text: v }] } };
      }
    }
    let how: string | Msg = defaultHow;
    let explicitInHelper: Arg | undefined;
    if (r.value) {
      const lit = truth(r.value);
      if (lit === undefined) return { state: 'unknown' };
      if (!lit) return { state: 'off' };
      how = msg('{0}() builds it with {1}', fn.def.name, model.source(r.arg ?? r.value));
      explicitInHelper = r.fromPartial ? undefined : r.arg;
      if (r.fromPartial) return { state: 'unknown' };
    } else if (!b.default) return { state: 'off' };
    else how = msg('{0}() builds it with the default {1}=True', fn.def.name, b.name);
    if (forwardsKw && !model.hiddenArgs(site) && !explicitInHelper) {
      return { state: 'on', on: { how, at: siteAt, edits: (v) => addKeyword(text, site, `${b.name}=${v}`) } };
    }
    // Only a change inside the helper would do: safe when every use of the helper feeds batch norm.
    return {
      state: 'on',
      on: {
        how,
        at: undefined,
        edits: (v) => {
          if (v !== 'False' || !this.allSitesFire(fn)) return undefined;
          if (explicitInHelper) return [{ from: explicitInHelper.value.from, to: explicitInHelper.value.to, text: v }];
          return addKeyword(text, ctor, `${b.name}=${v}`);
        },
      },
    };
  }

  private allSitesFire(fn: NonNullable<LayerInstance['helper']>['fn']): boolean {
    const model = this.ctx.model;
    // Every call site counts, wherever it is in the file.
    this.ctx.flow.requireAll();
    let n = 0;
    for (const call of model.module.calls) {
      const inst = model.instanceAt(call);
      if (inst?.helper?.fn !== fn || inst.site !== call) continue;
      n++;
      const v = this.verdict(inst);
      if (!v.fire || v.cond) return false;
    }
    return n > 0;
  }
}

/** True / False for literal booleans and 0/1/None; undefined for anything computed. */
function truth(e: Expr): boolean | undefined {
  if (e.kind === 'const') return e.value === 'True' ? true : e.value === 'False' || e.value === 'None' ? false : undefined;
  if (e.kind === 'number') return Number.isNaN(e.value) ? undefined : e.value !== 0;
  return undefined;
}

/** A guard under which every batch-norm use happens and no other use does. */
function discriminate(bn: Use[], others: Use[]): Guard | undefined {
  for (const g of bn[0].guards) {
    const inAllBn = bn.every((u) => u.guards.some((h) => h.key === g.key && h.negated === g.negated));
    if (!inAllBn) continue;
    const oppositeInOthers = others.every((u) => u.guards.some((h) => h.key === g.key && h.negated !== g.negated));
    if (oppositeInOthers) return g;
  }
  return undefined;
}

const FLIP: Record<string, string> = { is: 'is not', 'is not': 'is', '==': '!=', '!=': '==', in: 'not in', 'not in': 'in' };

/** Python source for "the batch-norm path is not taken", given the guard of that path. */
function biasWhenNot(model: PythonModel, g: Guard): string {
  const t = g.test;
  const src = model.source(t);
  if (g.negated) {
    // Batch norm runs when the test is false: the bias is wanted when it is true.
    return t.kind === 'name' || t.kind === 'attr' || (t.kind === 'binop' && FLIP[t.op]) ? src : `bool(${src})`;
  }
  if (t.kind === 'binop' && FLIP[t.op]) return `${model.source(t.left)} ${FLIP[t.op]} ${model.source(t.right)}`;
  if (t.kind === 'name' || t.kind === 'attr' || t.kind === 'call' || t.kind === 'subscript') return `not ${src}`;
  return `not (${src})`;
}

/** Whether the guard's test can be evaluated where the layer is built. */
function available(model: PythonModel, g: Guard, scope: Scope, offset: number): boolean {
  const sameScope = g.scope === scope;
  const ok = (e: Expr): boolean => {
    switch (e.kind) {
      case 'const':
      case 'number':
      case 'string':
        return true;
      case 'unary':
        return ok(e.operand);
      case 'binop':
        return ok(e.left) && ok(e.right);
      case 'name': {
        const found = model.lookup(e.id, scope);
        if (!found) return false;
        if (found.scope.kind === 'module') return true;
        if (!sameScope) return false;
        if (found.scope !== scope) return true;
        return found.bindings.some((b) => b.kind === 'param' || (b.kind !== 'def' && b.kind !== 'class' && 'at' in b && b.at < offset));
      }
      case 'attr': {
        if (e.value.kind === 'name' && scope.selfName && e.value.id === scope.selfName) {
          const defs = model.selfAttr(e, scope);
          return !!defs?.some((d) => !d.method || (d.method === scope.fn && d.stmt.to <= offset));
        }
        if (e.value.kind === 'name' && g.scope.selfName === e.value.id) return false;
        return ok(e.value);
      }
      default:
        return false;
    }
  };
  return ok(g.test);
}

/** How the layer is written at its site (`nn.Conv2d`, `conv3x3`, `layers.Conv2D`). */
function calleeText(model: PythonModel, inst: LayerInstance): string {
  const f = inst.site.func;
  const src = model.source(f);
  return src.length <= 40 ? `\`${src}\`` : inst.spec.name;
}
