/**
 * Where a segmentation head's classifier output goes on to: a conv mapping to the class count is the head's last layer
 * only when its output goes into no other conv, linear layer or normalisation, directly or through activations,
 * pooling, resampling and reshapes, nor through a function returning it into such a layer where the function is called;
 * nor into a Keras `Model(…)` whose outputs the code of the file reads into more layers (`m.output`, `m.layers`,
 * `m.get_layer(…)`, `m(x)`). The model is followed through the name it is bound to and the functions returning it, to
 * their calls in the file; a use of the model that is not followed (handed to a function, kept in a list) may feed more
 * layers, and counts as one that does. Callers out of sight do not count.
 */
import type { CallExpr, ReturnStmt, Span, Stmt } from '../python/ast';
import type { FlowAnalysis } from '../python/flow';
import { roleOf, type FunctionInfo, type LayerInstance, type PythonModel, type Scope } from '../python/model';
import { readsAfter } from '../python/resultReads';

/** Attributes and methods of a Keras model that give its layers' outputs. */
const OUTPUT_ATTRIBUTES = new Set(['output', 'outputs', 'layers', 'get_layer', 'get_output_at', 'call']);
/** Functions the model's result may be handed to without going into layers. */
const INERT_FUNCTIONS = new Set(['print']);
const MAX_DEPTH = 4;
/** The layers that take a classifier's scores on (a conv, a linear layer, a normalisation). */
const TAKING_ON = new Set<string>(['conv', 'linear', 'bn', 'norm', 'instnorm']);

/**
 * Whether a conv's output goes on into another conv, linear layer or normalisation (then it is not the classifier).
 * `throughReturns`: following what the function building it returns to every call of the function (not for a helper
 * whose calls are judged one by one).
 */
export function goesOn(flow: FlowAnalysis, inst: LayerInstance, throughReturns = true): boolean {
  const seen = new Set<LayerInstance>([inst]);
  const queue = [inst];
  while (queue.length) {
    for (const u of flow.usesOf(queue.pop()!)) {
      if (TAKING_ON.has(u.role)) return true;
      if (u.consumer && (u.role === 'act' || u.role === 'pass' || u.role === 'reshape')) {
        if (!seen.has(u.consumer) && seen.size < 64) {
          seen.add(u.consumer);
          queue.push(u.consumer);
        }
        continue;
      }
      if (u.role !== 'other') continue;
      const model = flow.model;
      if (isReturn(u.at)) {
        const fn = model.scopeOf(u.at).fn;
        if (throughReturns && fn && returnedGoesOn(model, fn, 0)) return true;
        continue;
      }
      const m = modelCallAt(model, u.at);
      if (m && modelFedOn(model, m)) return true;
    }
  }
  return false;
}

/** `Model(…)` (Keras' functional model, by its qualified name). */
export function isModelCall(model: PythonModel, call: CallExpr, scope: Scope): boolean {
  const q = model.qname(call.func, scope);
  return !!q && /(^|\.)Model$/.test(q);
}

/** Whether the model `Model(…)` builds has its outputs read into more layers by the code of the file. */
export function modelFedOn(model: PythonModel, call: CallExpr): boolean {
  return placedFedOn(model, call, 0);
}

/** The `Model(…)` call a use is at: the call itself, or the one whose argument is the list or tuple of its outputs. */
function modelCallAt(model: PythonModel, at: Span): CallExpr | undefined {
  const call = (at as Partial<CallExpr>).kind === 'call' ? (at as CallExpr) : callTaking(model, at);
  return call && isModelCall(model, call, model.scopeOf(call)) ? call : undefined;
}

/** Whether what `call` returns (a model) goes where its outputs are read on, as the statement holding it says. */
function placedFedOn(model: PythonModel, call: CallExpr, depth: number): boolean {
  if (depth > MAX_DEPTH) return true;
  const stmt = model.statementOf.get(call);
  const scope = model.scopeOf(call);
  const fn = scope.fn;
  if (!stmt) return true;
  if (stmt.kind === 'expr') return false;
  if (stmt.kind === 'return') return !fn || returnedFedOn(model, fn, depth);
  if (stmt.kind !== 'assign' || stmt.targets.length !== 1 || stmt.targets[0].kind !== 'name') return true;
  const body: readonly Stmt[] = fn ? fn.def.body : model.module.body;
  const reads = readsAfter(body, stmt, stmt.targets[0].id);
  if (!reads) return true;
  for (const r of reads) {
    switch (r.kind) {
      case 'attribute':
      case 'method':
        if (OUTPUT_ATTRIBUTES.has(r.name)) return true;
        break;
      case 'returned':
        if (!fn || returnedFedOn(model, fn, depth)) return true;
        break;
      case 'argument': {
        const f = r.call.func;
        if (f.kind !== 'name' || !INERT_FUNCTIONS.has(f.id) || model.lookup(f.id, scope)) return true;
        break;
      }
      default:
        return true;
    }
  }
  return false;
}

function isReturn(at: Span): at is ReturnStmt {
  return (at as Partial<ReturnStmt>).kind === 'return';
}

/**
 * Whether a tensor a function returns goes into more layers where the function is called: the call's result bound to
 * a name read as the input of a layer (or of a model fed on), returned on, or the call written as that input itself.
 */
function returnedGoesOn(model: PythonModel, fn: FunctionInfo, depth: number): boolean {
  if (depth > MAX_DEPTH || fn.scope.owner !== model) return false;
  for (const site of model.callSites.namedCalls(fn)) {
    const call = site.call!;
    const stmt = model.statementOf.get(call);
    const scope = model.scopeOf(call);
    if (!stmt) {
      const into = callTaking(model, call);
      if (into && takesOn(model, into)) return true;
    } else if (stmt.kind === 'return') {
      if (scope.fn && returnedGoesOn(model, scope.fn, depth + 1)) return true;
    } else if (stmt.kind === 'assign' && stmt.targets.length === 1 && stmt.targets[0].kind === 'name') {
      const reads = readsAfter(scope.fn ? scope.fn.def.body : model.module.body, stmt, stmt.targets[0].id) ?? [];
      for (const r of reads) {
        if (r.kind === 'argument' && takesOn(model, r.call)) return true;
        if (r.kind === 'returned' && scope.fn && returnedGoesOn(model, scope.fn, depth + 1)) return true;
      }
    }
  }
  return false;
}

/** The call `e` is an argument of, if any. */
function callTaking(model: PythonModel, e: Span): CallExpr | undefined {
  for (const c of model.module.calls) {
    if (c.from > e.from) break;
    if (c.to >= e.to && c.args.some((a) => a.value === e)) return c;
  }
  return undefined;
}

/** Whether a call given a tensor applies a conv, linear layer or normalisation to it, or builds a model fed on. */
function takesOn(model: PythonModel, call: CallExpr): boolean {
  const scope = model.scopeOf(call);
  if (isModelCall(model, call, scope)) return modelFedOn(model, call);
  return model.instances(call.func, scope).some((i) => !!i.value && TAKING_ON.has(roleOf(i.value)));
}

/** Whether a call of the file of a function returning the model puts it where its outputs are read on. */
function returnedFedOn(model: PythonModel, fn: FunctionInfo, depth: number): boolean {
  if (fn.scope.owner !== model) return true;
  for (const site of model.callSites.namedCalls(fn)) if (placedFedOn(model, site.call!, depth + 1)) return true;
  return false;
}
