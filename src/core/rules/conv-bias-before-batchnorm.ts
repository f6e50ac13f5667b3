/**
 * conv-bias-before-batchnorm: a conv/linear layer with its bias on whose output goes straight into a
 * batch norm. Batch norm subtracts the per-channel mean of its input, so a constant per-channel bias
 * added just before it is cancelled: it is dead weight (the note: "with BN, the conv before it needs no bias").
 */
import type { CallExpr, Span } from '../python/ast';
import { callTargetOf, type CallSite, type Owner } from '../python/calls';
import { lineAt } from '../python/chars';
import { FlowAnalysis, projectFlow, roleOf, type Use } from '../python/flow';
import type { Guard, LayerInstance, PythonModel, Scope } from '../python/model';
import { addKeyword } from './edits';
import { msg, type Msg } from '../message';
import { callsOwnCode, type RawFinding, type Rule, type RuleContext } from './rule';
import { available, biasWhenNot, BuiltUnder, commonGuards, discriminate, paramForm } from './bias-guards';
import { biasReadByOwnCode } from './bias-reads';
import { appliedCalls, biasParameter, biasStateOf, closureFactory, layerBias, type BiasOn } from './conv-bias-state';

const BN_NAMES: Record<string, string> = { torch: 'BatchNorm', keras: 'BatchNormalization', flax: 'BatchNorm', nnx: 'BatchNorm' };

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
  // Its findings in a unit are at the conv and linear layers built or called there: a unit that calls none of the file's
  // classes and functions, and whose own layers have their bias off, has none, whatever its callers do. With the
  // project's modules followed, a call may reach a helper of another module: no unit is said to be free then.
  callerFree(model, unit) {
    if (model.project) return false;
    for (const call of unit.calls) {
      if (callsOwnCode(model, call)) return false;
      const inst = model.instanceAt(call);
      if (inst && biasCapable(inst) && layerBias(model, inst).state !== 'off') return false;
    }
    return true;
  },
};

/** A conv or linear layer with a bias to turn off (not one its class or function reads: see bias-reads.ts). */
function biasCapable(inst: LayerInstance): boolean {
  const role = roleOf(inst);
  return (role === 'conv' || role === 'linear') && (!inst.localClass || !!inst.baseArgs) && !!inst.spec.bias && !biasReadByOwnCode(inst);
}

class ConvBiasCheck {
  private readonly verdicts = new Map<LayerInstance, Verdict>();
  private readonly under = new BuiltUnder();
  private readonly countInstanceNorm: boolean;

  constructor(private readonly ctx: RuleContext) {
    this.countInstanceNorm = !!ctx.options.instanceNormAsBatchNorm;
  }

  run(): RawFinding[] {
    const out: RawFinding[] = [];
    for (const inst of this.ctx.flow.producers()) {
      const bySite = this.decidedBySites(inst);
      if (bySite) {
        for (const f of bySite) if (this.ctx.inFocus(f.span.from)) out.push(f);
        continue;
      }
      if (!this.ctx.inFocus(inst.site.from)) continue;
      const v = this.verdict(inst);
      if (!v.fire) continue;
      const bias = biasStateOf(this.ctx, inst, (fn) => this.allSitesFire(fn));
      if (bias.state !== 'on') continue;
      const f = this.finding(inst, v, bias.on);
      if (f) out.push(f);
    }
    out.push(...this.importedOwners());
    return once(out).sort((a, b) => a.span.from - b.span.from);
  }

  private isBn(u: Use): boolean {
    return u.role === 'bn' || (this.countInstanceNorm && u.role === 'instnorm');
  }

  /** Whether the instance's output always (or under one condition) goes straight into batch norm. */
  private verdict(inst: LayerInstance): Verdict {
    const memo = this.verdicts.get(inst);
    if (memo) return memo;
    const v = biasCapable(inst) ? this.judge(this.ctx.flow.usesOf(inst)) : { fire: false };
    this.verdicts.set(inst, v);
    return v;
  }

  /** Batch norm on every path of these uses, or under one condition that no other use shares. */
  private judge(uses: readonly Use[]): Verdict {
    const bn = uses.filter((u) => this.isBn(u));
    const others = uses.filter((u) => !this.isBn(u));
    if (bn.length && !others.length) {
      // Every batch-norm use under one guard, and nothing seen on the other path (the list ends there, or its output is
      // returned): batch norm only when the guard holds (`if use_bn: layers.append(BatchNorm1d(c))`).
      // Only a guard of the function that builds the layer, and not one it is built under (`if use_bn:
      // nn.Sequential(conv, bn)`): a guard in `forward` mostly repeats the one `__init__` built the layer under.
      const p = bn[0].producer;
      const counts = (g: Guard) => g.scope === p.siteScope && !this.under.has(p, g);
      const conds = bn.every((u) => u.guards.length) ? commonGuards(bn, counts) : [];
      if (conds.length > 1) return { fire: false }; // under two conditions at once: no one condition to write the bias with
      return conds.length ? { fire: true, cond: conds[0], bnUse: bn[0] } : { fire: true, bnUse: bn[0] };
    }
    if (bn.length) {
      const cond = discriminate(bn, others);
      if (cond) return { fire: true, cond, bnUse: bn[0] };
    }
    return { fire: false };
  }

  /**
   * A layer whose bias, or whose path into batch norm, depends on the arguments of the function or class building it
   * (`bias=bias`, `if normalize: layers.append(BatchNorm1d(c))`, `self.bn = BatchNorm2d(c) if use_bn else None`): the
   * calls in the file decide (the defaults when there is none). Undefined when nothing depends on them.
   */
  private decidedBySites(inst: LayerInstance): RawFinding[] | undefined {
    const model = this.ctx.model;
    const fn = inst.ctorScope.fn;
    if (inst.helper || !fn || !biasCapable(inst) || inst.ctorScope.owner !== model) return undefined;
    const factory = closureFactory(model, inst);
    const owner: Owner = factory ? { kind: 'fn', fn: factory } : fn.cls ? model.callSites.classOwner(fn.cls) : { kind: 'fn', fn };
    const uses = this.ctx.flow.usesOf(inst);
    if (!uses.some((u) => this.isBn(u))) return undefined;
    const biasParam = biasParameter(model, inst, owner);
    // A factory's calls build the block only where their result is applied (`conv_bn(64, 3)(x)`).
    const real = factory ? model.callSites.deciding(owner).filter((s) => !s.call || appliedCalls(model).has(s.call)) : model.callSites.deciding(owner);
    const sites = real.length ? real : [model.callSites.defaults(owner)];
    let decided = false;
    const verdicts = sites.map((site) => {
      // In a module class handing on its layer's output, a call's own instance decides where that output goes.
      const r = this.atSite(site.call ? uses.filter((u) => !u.through || u.through.ctor === site.call) : uses, site);
      if (r.decided) decided = true;
      return { site, v: r.v, outcome: r.outcome, layerOnly: r.layerOnly };
    });
    if (!decided && !biasParam) return undefined;
    if (biasParam) return biasParam.real ? this.biasArgumentFindings(inst, biasParam.name, real, verdicts) : [];
    const firing = verdicts.filter((x) => x.outcome === 'fire');
    // No call decides it: the finding (if any) is the conditional one, as for any other condition.
    if (!firing.length) return real.length && verdicts.every((x) => x.outcome === 'no') ? [] : undefined;
    const bias = biasStateOf(this.ctx, inst, (fn) => this.allSitesFire(fn));
    if (bias.state !== 'on') return [];
    const v0 = this.verdict(inst);
    // A call that builds the layer at all (the flag it is built under) always gives it its batch norm, or every path
    // does whatever the calls decide (`bn = nn.BatchNorm3d if dimension == 3 else nn.BatchNorm2d`): the finding is the
    // layer's own, with no call to name and no condition to write into the fix.
    if (!v0.cond && (v0.fire || firing.every((x) => x.layerOnly))) {
      const f = this.finding(inst, { fire: true, bnUse: firing[0].v.bnUse ?? v0.bnUse }, bias.on);
      return f ? [f] : [];
    }
    const first = firing[0].site;
    const whereText = first.call ? { site: calleeCallText(model, first.call, first), line: this.ctx.lines.positionAt(first.call.from).line + 1 } : undefined;
    const cond = v0.cond && paramForm(model, v0.cond, inst);
    const f = this.finding(inst, { fire: true, cond: v0.cond, bnUse: firing[0].v.bnUse ?? v0.bnUse }, bias.on, { where: whereText, fixCond: cond });
    // It names a call and its line, which may be in another class or function.
    return f ? [{ ...f, volatile: !!whereText }] : [];
  }

  /**
   * What the uses are at one call: guards the call's arguments decide are dropped (true) or drop their use (false).
   * fire: batch norm on every path at this call; no: never; open: it depends on something the call does not decide.
   */
  private atSite(uses: readonly Use[], site: CallSite): { v: Verdict; outcome: 'fire' | 'no' | 'open'; decided: boolean; layerOnly: boolean } {
    const model = this.ctx.model;
    const filtered: Use[] = [];
    let open = false;
    let decided = false;
    // Whether every guard the call decides is one the layer itself is built under (`if conv_shortcut:` around both the
    // conv and its batch norm): the call decides whether the layer exists, not where its output goes.
    let layerOnly = true;
    for (const u of uses) {
      const guards: Guard[] = [];
      let keep = true;
      for (const g of u.guards) {
        // Only what the arguments decide: a guard decided without them (a module constant) stays as it is.
        const t = model.conditions.truth(g.test, g.scope) === undefined ? model.conditions.truth(g.test, g.scope, site) : undefined;
        if (t === undefined) guards.push(g);
        else {
          decided = true;
          if (!this.under.has(u.producer, g)) layerOnly = false;
          if (t === g.negated) keep = false;
        }
      }
      if (keep) filtered.push(guards.length === u.guards.length ? u : { ...u, guards });
      if (keep && guards.length) open = true;
    }
    const v = this.judge(filtered);
    return { v, outcome: v.fire && !v.cond ? 'fire' : !v.fire && !open ? 'no' : 'open', decided, layerOnly: decided && layerOnly };
  }

  /**
   * Calls in this file of a class or function of another module of the project whose layer's bias is one of its
   * parameters (`from .blocks import ConvBN; ConvBN(3, 32)`), or whose path into batch norm this call's arguments decide
   * (`unetConv2(c_in, c_out, self.is_batchnorm)`, the flag true by the defaults of the class making the call): reported
   * at the call, as for one defined here.
   */
  private importedOwners(): RawFinding[] {
    const model = this.ctx.model;
    if (!model.project) return [];
    const out: RawFinding[] = [];
    for (const call of this.ctx.callsInFocus()) {
      const scope = model.scopeOf(call);
      const target = callTargetOf(model, call, scope);
      if (!target || target.scope.owner === model) continue;
      const other = target.scope.owner as PythonModel;
      const owner: Owner = 'methods' in target ? other.callSites.classOwner(target) : { kind: 'fn', fn: target };
      // The call bound once per call of the code making it (its arguments may be that code's parameters); a bias
      // passed as a parameter is judged by the caller's defaults only, where nothing in the file calls the caller.
      const caller = model.callSites.callersOf(scope);
      const sites = caller.sites.map((outer) => other.callSites.bindCall(owner, call, scope, outer));
      const site = caller.called ? other.callSites.bindCall(owner, call, scope) : sites[0];
      const elsewhere: { inst: LayerInstance; v: Verdict }[] = [];
      for (const inst of projectFlow(other).producers()) {
        const fn = inst.ctorScope.fn;
        if (inst.helper || !fn || !biasCapable(inst)) continue;
        const sameOwner = fn.cls ? (owner.kind === 'fields' ? owner.cls : owner.fn.cls) === fn.cls : owner.kind === 'fn' && owner.fn === fn;
        if (!sameOwner) continue;
        const bp = biasParameter(model, inst, owner);
        const uses = this.throughHere(projectFlow(other), inst, call, scope);
        if (!uses.some((u) => this.isBn(u))) continue;
        if (!bp) {
          // This call decides when what it writes does: the defaults alone turning batch norm on are that module's own
          // finding, said there once.
          const byDefaults = this.atSite(uses, other.callSites.defaults(owner));
          if (byDefaults.decided && byDefaults.outcome === 'fire') continue;
          for (const s of sites) {
            const r = this.atSite(uses, s);
            if (!r.decided || r.outcome !== 'fire') continue;
            elsewhere.push({ inst, v: r.v });
            break;
          }
        } else if (bp.real) {
          const r = this.atSite(uses, site);
          out.push(...this.biasArgumentFindings(inst, bp.name, [site], [{ site, v: r.v, outcome: r.outcome }]));
        }
      }
      const f = this.decidedElsewhere(elsewhere, call);
      if (f) out.push(f);
    }
    return out;
  }

  /**
   * The uses of a layer of another module's module class as this call's instance of the class makes them: what the
   * class's `forward` returns goes where this file sends the instance's output (not where that module's own instances
   * send theirs).
   */
  private throughHere(other: FlowAnalysis, inst: LayerInstance, call: CallExpr, scope: Scope): readonly Use[] {
    const uses = other.usesOf(inst);
    const here = this.ctx.model.instanceAt(call, scope);
    const returned = here?.module ? other.returnedOf(inst).filter((u) => u.module === here.module) : [];
    if (!here || !returned.length) return uses;
    // Left out: what that module's own instances do with the output (`through` one of them), and the returns it could
    // not follow (no instance there: used somewhere unknown, at the `return`).
    const out = uses.filter((u) => !u.through && !returned.some((r) => r.at === u.at));
    for (const r of returned) for (const w of this.ctx.flow.usesOf(here)) out.push({ ...w, producer: inst, guards: [...r.guards, ...w.guards] });
    return out;
  }

  /**
   * Layers of another module whose bias is on as they are built there (the default, or True written out) and whose
   * output goes into batch norm as this call builds them: one finding at the call, naming their lines. The change
   * belongs in that module, so there is no fix here.
   */
  private decidedElsewhere(found: { inst: LayerInstance; v: Verdict }[], call: CallExpr): RawFinding | undefined {
    const on: { inst: LayerInstance; v: Verdict; how: string | Msg }[] = [];
    for (const { inst, v } of found) {
      const built = inst.helper ? undefined : layerBias(inst.ctorScope.owner as PythonModel, inst);
      if (built?.state === 'on' && !built.partial) on.push({ inst, v, how: built.how });
    }
    if (!on.length) return undefined;
    const { inst, v, how } = on[0];
    const other = inst.ctorScope.owner as PythonModel;
    const b = inst.spec.bias!;
    const callee = collapse(this.ctx.model.source(call.func));
    const lines = on.map((x) => lineAt(other.text, x.inst.site.from)).join(', ');
    const message =
      on.length === 1
        ? msg(
            '{0} in “{1}” keeps its bias ({2}), and as it is called here its output goes straight into {3}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters. Set {4}=False where it is built (line {5} of its module).',
            calleeText(inst),
            callee,
            how,
            bnNameOf(v, inst),
            b.name,
            lines,
          )
        : msg(
            '{0} layers in “{1}” keep their bias, and as it is called here their output goes straight into {2}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters. Set {3}=False where they are built (lines {4} of its module).',
            on.length,
            callee,
            bnNameOf(v, inst),
            b.name,
            lines,
          );
    return { span: call, message, fixes: [] };
  }

  /** Findings at the calls that leave the bias parameter at a true default or pass a true value. */
  private biasArgumentFindings(inst: LayerInstance, param: string, sites: CallSite[], verdicts: { site: CallSite; v: Verdict; outcome: string }[]): RawFinding[] {
    const ctx = this.ctx;
    const model = ctx.model;
    const out: RawFinding[] = [];
    for (const { site, v, outcome } of verdicts) {
      const call = site.call;
      if (!call || outcome !== 'fire' || !sites.includes(site)) continue;
      const a = site.arg(param);
      if (!a || a === 'hidden' || model.conditions.truth(a.value, a.scope) !== true) continue;
      const explicit = a.isDefault ? undefined : call.args.find((x) => x.value === a.value);
      const callee = calleeCallText(model, call, site);
      const how = explicit
        ? explicit.name
          ? model.source(explicit)
          : `${param}=${model.source(explicit.value)}`
        : msg('“{0}” leaves {1} at its default {2}', callee, param, a.scope.owner.source(a.value));
      const edits = explicit
        ? [{ from: explicit.value.from, to: explicit.value.to, text: 'False' }]
        : model.hiddenArgs(call) || !call.complete
          ? undefined
          : addKeyword(ctx.text, call, `${param}=False`);
      const bnName = bnNameOf(v, inst);
      const message = msg(
        '{0} keeps its bias ({1}), but its output goes straight into {2}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters. Set {3}=False.',
        msg('{0} in “{1}”', calleeText(inst), initOf(site) ?? collapse(model.source(call.func))),
        how,
        bnName,
        param,
      );
      out.push({ span: explicit ?? call, message, fixes: edits ? [{ title: this.fixTitle(inst, param, 'False'), edits, isPreferred: true }] : [] });
    }
    return out;
  }

  private fixTitle(inst: LayerInstance, name: string, value: string): Msg {
    return inst.spec.framework === 'torch'
      ? msg('Set {0}={1} (existing checkpoints will then carry an unexpected “*.bias” key)', name, value)
      : msg('Set {0}={1} (existing checkpoints will then carry an unexpected “bias” weight)', name, value);
  }

  /**
   * @param decided  for a layer the call sites decide: the first call where batch norm applies (none: the defaults), and
   *                 the condition of the batch-norm path as it can be written where the layer is built.
   */
  private finding(inst: LayerInstance, v: Verdict, on: BiasOn, decided?: { where?: { site: string; line: number }; fixCond?: Guard }): RawFinding | undefined {
    const ctx = this.ctx;
    const model = ctx.model;
    const b = inst.spec.bias!;
    let value: string | undefined = 'False';
    if (decided) {
      const c = decided.fixCond;
      value = c && on.at && available(model, c, on.at.scope, on.at.offset) ? biasWhenNot(model, c) : undefined;
    } else if (v.cond) {
      if (!on.at || !available(model, v.cond, on.at.scope, on.at.offset)) return undefined;
      value = biasWhenNot(model, v.cond);
    }
    const edits = value === undefined ? undefined : on.edits(value);
    const layer = calleeText(inst);
    const bnName = bnNameOf(v, inst);
    const span: Span = on.explicit ?? inst.site;
    let message: Msg;
    if (decided) {
      const c = v.cond;
      const condText = c ? model.source(c.test) : undefined;
      const w = decided.where;
      const when = !c
        ? w
          ? msg('it is called as at “{0}” (line {1})', w.site, w.line)
          : msg('it is called with its defaults')
        : w
          ? c.negated
            ? msg('“{0}” is false, as at “{1}” (line {2})', condText!, w.site, w.line)
            : msg('“{0}” holds, as at “{1}” (line {2})', condText!, w.site, w.line)
          : c.negated
            ? msg('“{0}” is false, as with the defaults', condText!)
            : msg('“{0}” holds, as with the defaults', condText!);
      message =
        value === undefined
          ? msg(
              '{0} keeps its bias ({1}), but when {2}, its output goes straight into {3}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters.',
              layer,
              on.how,
              when,
              bnName,
            )
          : msg(
              '{0} keeps its bias ({1}), but when {2}, its output goes straight into {3}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters. Set {4}={5} so it exists only without batch norm.',
              layer,
              on.how,
              when,
              bnName,
              b.name,
              value,
            );
    } else if (v.cond) {
      const condText = model.source(v.cond.test);
      const when = v.cond.negated ? msg('“{0}” is false', condText) : msg('“{0}” holds', condText);
      message = msg(
        '{0} keeps its bias ({1}), but when {2}, its output goes straight into {3}, which subtracts the per-channel mean: the bias is cancelled and only adds parameters. Set {4}={5} so it exists only without batch norm.',
        layer,
        on.how,
        when,
        bnName,
        b.name,
        value!,
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
    const fixes = edits && value !== undefined ? [{ title: this.fixTitle(inst, b.name, value), edits, isPreferred: true }] : [];
    // No place where the layer is called sets its bias (`on.at`): only a change inside the helper would do, offered when
    // every call of the helper feeds batch norm. With or without that fix, the finding depends on the helper's other
    // calls, wherever they are.
    return { span, message, fixes, volatile: !on.at };
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

/** The batch norm as the message names it: its class (the project's own, when it is one). */
function bnNameOf(v: Verdict, inst: LayerInstance): string {
  const bn = v.bnUse?.consumer;
  return bn ? (bn.localClass?.def.name ?? bn.spec.name) : BN_NAMES[inst.spec.framework];
}

/** A call as the message names it: `block(128, 256)`, shortened when long. */
/**
 * A call as the message quotes it; `super().__init__(…)` and `Base.__init__(self, …)` as a call of the class they run
 * the `__init__` of (`ConvBN(c, 2 * c)`: a dunder name reads as Markdown emphasis where a message is shown as Markdown).
 */
function calleeCallText(model: PythonModel, call: CallExpr, site?: CallSite): string {
  const cls = site && initOf(site);
  const f = call.func;
  if (cls && f.kind === 'attr') {
    const args = f.value.kind === 'call' ? call.args : call.args.slice(1);
    const inner = args.length ? collapse(model.source({ from: args[0].from, to: args[args.length - 1].to })) : '';
    return inner.length + cls.length <= 48 ? `${cls}(${inner})` : `${cls}(…)`;
  }
  const src = collapse(model.source(call));
  return src.length <= 50 ? src : `${collapse(model.source(call.func))}(…)`;
}

/** For `super().__init__(…)` or `Base.__init__(self, …)`: the class whose `__init__` the call runs. */
function initOf(site: CallSite): string | undefined {
  const f = site.call?.func;
  return f?.kind === 'attr' && f.attr === '__init__' && site.owner.kind === 'fn' ? site.owner.fn.cls?.def.name : undefined;
}

function collapse(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/** How the layer is written at its site (`nn.Conv2d`, `conv3x3`, `layers.Conv2D`), in whichever module that is. */
function calleeText(inst: LayerInstance): string {
  const f = inst.site.func;
  const src = inst.siteScope.owner.source(f);
  return src.length <= 40 ? src : inst.spec.name;
}

/**
 * Each finding once: two layers taking one bias parameter (`bias=bias` on both convs of a separable block) give the same
 * finding at a call, with the same fix.
 */
function once(found: RawFinding[]): RawFinding[] {
  // Only findings at the same span can be the same: the others are kept without writing out their key.
  const atSpan = new Map<string, number>();
  for (const f of found) {
    const span = `${f.span.from}:${f.span.to}`;
    atSpan.set(span, (atSpan.get(span) ?? 0) + 1);
  }
  const seen = new Set<string>();
  return found.filter((f) => {
    if (atSpan.get(`${f.span.from}:${f.span.to}`) === 1) return true;
    const key = JSON.stringify([f.span.from, f.span.to, f.message, f.fixes]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
