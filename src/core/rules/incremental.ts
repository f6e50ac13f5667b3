/**
 * Re-analysis of a document after an edit, without redoing the parts that cannot have changed.
 *
 * The unit of reuse is a top-level class or function. Its findings are a function of its own text and of
 * the text of what it can see by name: the module body (imports, constants), the top-level classes and
 * functions it names (helpers, base classes — transitively), the classes that derive from it (their
 * `forward` may use its layers) and the units that name it (its callers: how it is called decides some findings).
 * A signature hashes all of that (unitGraph.ts); when it is unchanged, the cached findings
 * are reused, moved to the unit's new position. A function declaring a name `global` binds it in the module, so it
 * counts as module body. Everything else — the module body and the file-wide rules
 * (lr-warmup) — is analysed every time. A finding whose fix edits text outside its own unit (an added
 * import, a shared helper), or that says something about another unit (`volatile`: a call's line), is never cached.
 * A unit whose findings cannot depend on its callers (every enabled per-unit rule says so: `Rule.callerFree`) is
 * signed without them, and its callers' data flow is not walked for it.
 * What lies outside the file goes in the caller's salt, shared by every unit: the options, and with them the digest of
 * the project's modules the file imports (a module edited is another salt, so no finding worked out against its
 * older text is kept).
 *
 * A unit's findings are kept relative to its start, and what is known of a top-level statement (its names, its
 * hash, its findings) does not depend on where it stands. It is found by the statement's parsed form when the parser
 * kept the statement (python/parse.ts: those the edit did not touch, their offsets moved), else by the statement's
 * exact text (the parser's unit key): a statement parsed again into new objects with the same text (the edited one
 * back as it was, statements after an edit the parser could not keep them across) still finds it. Keys no longer in
 * the text are dropped.
 *
 * The model of each version reuses what was built for the statements the parser kept (the same objects): their scopes
 * (python/unitScopes.ts) and what their calls call (python/callTargets.ts), which depends on all the signature hashes
 * but the callers.
 */
import type { AssignStmt, AugAssignStmt, CallExpr, ClassDef, FunctionDef, LoopStmt, Span, Stmt } from '../python/ast';
import { spanAt, walkExpr } from '../python/ast';
import { StmtWalker, walkModule } from '../python/walk';
import { PythonModel } from '../python/model';
import { KeptUnits } from '../python/unitScopes';
import type { ClassInfo } from '../python/scopes';
import { namesIn } from '../python/flowValues';
import type { LoweredUnit, ParsedPython } from '../python/parse';
import type { Msg } from '../message';
import { RuleContext, type RawFinding, type Rule } from './rule';
import { hash, type LineIndex } from '../text';
import { UnitGraph } from './unitGraph';

export interface UnitFinding {
  rule: Rule;
  raw: RawFinding;
}

interface Unit {
  stmt: Stmt & { kind: 'def' | 'class' };
  /** The parser's unit: its statements are [stmt]. */
  lu: LoweredUnit;
  from: number;
  to: number;
  facts: Facts;
  named: readonly string[];
}

interface Facts {
  /** Names the statement refers to. */
  refs: Set<string>;
  hash: string;
  /** For classes: the last identifiers of the base class expressions. */
  bases: string[];
  /** A function in it declares a name `global`: what it assigns binds in the module, as the module body does. */
  global: boolean;
  /** It is one statement, and its calls lie in it (its first and last call: the list is in order). */
  callsInside: boolean;
  /**
   * It star-imports or deletes names: where it stands among the classes and functions matters (a star import after a
   * `def` rebinds its name, one before it does not; see python/moduleEnd.ts).
   */
  ordered: boolean;
  /**
   * Its refs that are names of units, directly or through the module body (see bodyLinks), for the set of unit names
   * and the module body hashed in `names`.
   */
  named?: { names: string; list: string[] };
  /** For a statement of the module body: the names it binds there (assigned, defined, looped over). */
  binds?: string[];
  /** The findings kept for the unit with this text. */
  entry?: Entry;
  /**
   * The signature strings last made for a unit with this text, with what they were made of: an edit elsewhere leaves
   * most units' parts the same strings, and then their signatures are the same strings too (compared as such, not
   * character by character, and not made again).
   */
  signed?: Signed;
}

interface Signed {
  common: string;
  reach: string;
  /** `common|reach`: what the targets of the unit's calls depend on. */
  stamp: string;
  /** The signature without the callers. */
  free: string;
  callers?: string;
  /** The signature with the callers' hash `callers`. */
  withCallers?: string;
  /**
   * A module class handing on a layer's output (PythonModel.forwardsLayerOutput): its findings depend on every unit
   * that reaches it (where its instances go), not only on its callers. A fact of the stamp.
   */
  usersBound?: boolean;
}

/** A cached finding, with offsets relative to the start of its unit. */
export interface Cached {
  rule: Rule;
  from: number;
  to: number;
  /** The message and fix titles with their localisable forms (templates and arguments). */
  message: Msg;
  fixes: { title: Msg; isPreferred?: boolean; edits: { from: number; to: number; text: string }[] }[];
}

interface Entry {
  sig: string;
  findings: readonly Cached[];
}

/** The cached findings of a unit reused by an analysis, and where the unit stands in the text analysed. */
export interface KeptFindings {
  /** The unit's start and length. */
  at: number;
  length: number;
  findings: readonly Cached[];
}

export class UnitCache {
  private facts = new Map<string, Facts>();
  /** The same facts for the statements kept from one version to the next (no look-up by their whole text). */
  private factsKept = new WeakMap<readonly Stmt[], Facts>();
  /** What the model of each version reuses of the statements kept from the last one (scopes, calls' targets). */
  private readonly kept = new KeptUnits();
  /** The graph of the units of the last version (its edges are reused while the units' names and references stay). */
  private graph?: UnitGraph<Unit>;
  /** The names of the units of the last version, in order, and their set and hash (reused while they stay). */
  private names?: { list: string[]; set: Set<string>; key: string };
  /** The hash of the salt and module body last worked out (the same string while they stay). */
  private common?: string;

  clear(): void {
    for (const f of this.facts.values()) f.entry = undefined;
  }

  /**
   * Runs `rules` on the parsed text, reusing the cached findings of units whose signature did not change: `findings`
   * are those the rules found, `kept` those reused (in the order of their units, after the found ones).
   * `runRules` runs the rules on a context and returns their findings (the caller handles rule errors); `callerFree`
   * says whether no rule's findings inside a unit can depend on its callers (by default they may). `previousLines`:
   * the line index of the last text analysed (see RuleContext).
   */
  analyze(
    parsed: ParsedPython,
    saltOf: (model: PythonModel) => string,
    ruleOptions: ConstructorParameters<typeof RuleContext>[1],
    fileWide: (rule: Rule) => boolean,
    runRules: (ctx: RuleContext) => UnitFinding[],
    callerFree: (model: PythonModel, unit: LoweredUnit) => boolean = () => false,
    previousLines?: LineIndex,
  ): { ctx: RuleContext; findings: UnitFinding[]; kept: KeptFindings[] } {
    // (In steps of their own: each is compiled on its own by the runtime, sooner and smaller than one function would be.)
    const model = PythonModel.withProject(parsed, ruleOptions?.project, this.kept);
    const { units, unitOf, bodyKeys, bodyRefs, bodyLinks } = this.collectUnits(parsed);
    const bodyHash = hash(bodyKeys.join('\u0001'));
    this.nameRefs(units, bodyLinks, bodyHash);
    const graph = new UnitGraph(units, this.graph);
    this.graph = graph;
    const signs = this.sign(units, graph, model, saltOf(model), bodyHash, callerFree);
    const { dirty } = signs;
    const walkSet = walkedUnits(units, graph, model, signs, bodyRefs);
    const places = new UnitPlaces(units);
    const focus = (offset: number) => {
      const u = places.at(offset);
      return !u || dirty.has(u);
    };
    const walk = (def: Span) => {
      const u = places.at(def.from);
      return !u || walkSet.has(u);
    };
    // The calls in focus, statement by statement: the calls of a unit that is not dirty lie in it (checked once per
    // unit text: see Facts) and are all out of focus.
    const focusCalls = () => {
      const out: CallExpr[] = [];
      for (let i = 0; i < parsed.units.length; i++) {
        const u = unitOf[i];
        if (u && !dirty.has(u) && u.facts.callsInside) continue;
        for (const c of parsed.units[i].calls) if (focus(c.from)) out.push(c);
      }
      return out;
    };
    const ctx = new RuleContext(model, ruleOptions, focus, walk, focusCalls, previousLines);
    const findings = runRules(ctx);
    keepFresh(findings, fileWide, places, signs);
    const kept: KeptFindings[] = [];
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      const list = dirty.has(u) ? undefined : u.facts.entry!.findings;
      if (list?.length) kept.push({ at: u.from, length: u.to - u.from, findings: list });
    }
    this.forgetAllBut(parsed);
    return { ctx, findings, kept };
  }

  /** The parse's top-level units, those that are classes and functions apart, and what the module body is and names. */
  private collectUnits(parsed: ParsedPython): { units: Unit[]; unitOf: (Unit | undefined)[]; bodyKeys: string[]; bodyRefs: Set<string>; bodyLinks: Map<string, Set<string>> } {
    const units: Unit[] = [];
    const bodyKeys: string[] = [];
    const bodyRefs = new Set<string>();
    const bodyLinks = new Map<string, Set<string>>();
    /** The unit each statement of the parse is, if it is one. */
    const unitOf: (Unit | undefined)[] = [];
    // (Indexed loops over the units: this runs once per edit, often before the runtime optimises it, and then a
    // `for…of` allocates as it goes.)
    for (let i = 0; i < parsed.units.length; i++) {
      const lu = parsed.units[i];
      const facts = this.factsOf(lu, parsed.text);
      const st = lu.stmts.length === 1 ? lu.stmts[0] : undefined;
      if (st && (st.kind === 'def' || st.kind === 'class') && !facts.global) {
        const u: Unit = { stmt: st, lu, from: st.from, to: st.to, facts, named: [] };
        units.push(u);
        unitOf.push(u);
      } else {
        unitOf.push(undefined);
        bodyKeys.push(facts.ordered ? `${lu.key}\u0002${units.length}` : lu.key);
        for (const r of facts.refs) bodyRefs.add(r);
        for (const name of (facts.binds ??= moduleBindings(lu.stmts))) {
          const links = bodyLinks.get(name);
          if (links) for (const r of facts.refs) links.add(r);
          else bodyLinks.set(name, new Set(facts.refs));
        }
      }
    }
    return { units, unitOf, bodyKeys, bodyRefs, bodyLinks };
  }

  /**
   * Each unit's names of units: those it refers to, and those the module body's statements binding a name it refers to
   * refer to, transitively (`conv3 = conv2d_same` at module level: a class calling `conv3` sees `conv2d_same`). Worked
   * out again for a unit only when its text, the set of unit names or the module body changed.
   */
  private nameRefs(units: readonly Unit[], bodyLinks: ReadonlyMap<string, ReadonlySet<string>>, bodyHash: string): void {
    const { set: unitNames, key: namesKey } = this.unitNames(units);
    const key = `${namesKey}|${bodyHash}`;
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      const f = u.facts;
      if (f.named?.names !== key) f.named = { names: key, list: [...throughBody(f.refs, bodyLinks)].filter((r) => unitNames.has(r)) };
      u.named = f.named.list;
    }
  }

  /** Each unit's signature, and which units are dirty (their kept findings, if any, do not hold). */
  private sign(
    units: readonly Unit[],
    graph: UnitGraph<Unit>,
    model: PythonModel,
    salt: string,
    bodyHash: string,
    callerFree: (model: PythonModel, unit: LoweredUnit) => boolean,
  ): Signs {
    const dirty = new Set<Unit>();
    const sigs = new Map<Unit, string>();
    // Units whose text occurs twice in the file: one key for two places whose findings may differ (which of two
    // equal definitions a name resolves to): analysed every time, never kept.
    // (Units with equal keys share their facts.)
    const keyCount = new Map<Facts, number>();
    for (let i = 0; i < units.length; i++) keyCount.set(units[i].facts, (keyCount.get(units[i].facts) ?? 0) + 1);
    const twice = (u: Unit) => keyCount.get(u.facts)! > 1;
    // What the targets of a unit's calls depend on: all but its callers.
    const stamps = new WeakMap<readonly Stmt[], string>();
    let common = hash(`${salt}|${bodyHash}`);
    if (common === this.common) common = this.common;
    else this.common = common;
    // (Per unit: units with equal texts share their facts, not their signatures.)
    const signed: Signed[] = [];
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      const reach = graph.reachSig(u);
      let s = u.facts.signed;
      if (!s || s.common !== common || s.reach !== reach) {
        const stamp = `${common}|${reach}`;
        s = u.facts.signed = { common, reach, stamp, free: `${stamp}|free` };
      }
      signed.push(s);
      stamps.set(u.lu.stmts, s.stamp);
    }
    this.kept.calls.stamp(model, (stmts) => stamps.get(stmts));
    // A unit whose findings cannot depend on its callers (the rules say so) is signed without them. That is decided
    // again only when its stamp changes (it depends on nothing else), or when its callers did and it was signed with
    // them.
    const callerFreeUnits = new Set<Unit>();
    const usersBound = new Set<Unit>();
    let classes: Map<Stmt, ClassInfo> | undefined;
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      const s = signed[i];
      const free = s.free;
      const kept = u.facts.entry?.sig;
      let sig: string;
      if (u.stmt.kind === 'class' && (s.usersBound ??= forwardsLayerOutput(model, (classes ??= topClasses(model)).get(u.stmt)))) {
        usersBound.add(u);
        sig = `${s.stamp}|users|${graph.usersSig(u)}`;
      } else if (kept === free) sig = free;
      else {
        const callers = graph.callersSig(u);
        if (s.callers !== callers || s.withCallers === undefined) {
          s.callers = callers;
          s.withCallers = `${s.stamp}|${callers}`;
        }
        const withCallers = s.withCallers;
        sig = kept !== withCallers && callerFree(model, u.lu) ? free : withCallers;
      }
      if (sig === free) callerFreeUnits.add(u);
      sigs.set(u, sig);
      if (twice(u) || kept !== sig) dirty.add(u);
    }
    return { dirty, sigs, callerFreeUnits, usersBound, twice };
  }

  /** The set of the units' names and its hash: those of the last version while the names are the same, in order. */
  private unitNames(units: readonly Unit[]): { set: Set<string>; key: string } {
    const last = this.names;
    if (last && last.list.length === units.length) {
      let same = true;
      for (let i = 0; i < units.length && same; i++) same = units[i].stmt.name === last.list[i];
      if (same) return last;
    }
    const list = units.map((u) => u.stmt.name);
    const set = new Set(list);
    this.names = { list, set, key: hash([...set].join('\u0001')) };
    return this.names;
  }

  /** Drops what is kept of statements no longer in the text. */
  private forgetAllBut(parsed: ParsedPython): void {
    const keys = new Set(parsed.units.map((u) => u.key));
    for (const k of this.facts.keys()) if (!keys.has(k)) this.facts.delete(k);
  }

  private factsOf(lu: LoweredUnit, text: string): Facts {
    const { stmts, key, calls } = lu;
    let f = this.factsKept.get(stmts);
    if (f) return f;
    f = this.facts.get(key);
    if (f) {
      this.factsKept.set(stmts, f);
      return f;
    }
    const refs = new Set<string>();
    let global = false;
    let ordered = false;
    walkModule(stmts, {
      stmt: (s) => {
        if (s.kind === 'other' && s.what === 'ScopeStatement' && text.startsWith('global', s.from)) global = true;
        if ((s.kind === 'from' && s.names.some((n) => n.name === '*')) || (s.kind === 'other' && s.what === 'DeleteStatement')) ordered = true;
      },
      expr: (e) => {
        if (e.kind === 'name') refs.add(e.id);
      },
    });
    // A call the parser recovered inside a broken statement is among the unit's calls but may be in none of its
    // statements' expressions: what it names counts too (its callee's findings may depend on it).
    if (lu.errors.length) for (let i = 0; i < calls.length; i++) walkExpr(calls[i], (e) => void (e.kind === 'name' && refs.add(e.id)));
    const bases: string[] = [];
    const st = stmts.length === 1 ? stmts[0] : undefined;
    if (st?.kind === 'class') {
      for (const b of st.bases) {
        const v = b.value;
        if (v.kind === 'name') bases.push(v.id);
        else if (v.kind === 'attr') bases.push(v.attr);
      }
    }
    // Equal texts parse to equal trees (up to an offset): whether the calls lie in the statement is a fact of the text.
    const callsInside = !!st && (!calls.length || (calls[0].from >= st.from && calls[calls.length - 1].from < st.to));
    f = { refs, hash: hash(key), bases, global, callsInside, ordered };
    this.facts.set(key, f);
    this.factsKept.set(stmts, f);
    return f;
  }
}

/** The signatures of an analysis's units, and what they say. */
interface Signs {
  dirty: Set<Unit>;
  sigs: Map<Unit, string>;
  /** Units signed without their callers. */
  callerFreeUnits: Set<Unit>;
  /** Units signed with every unit that reaches them (see Signed.usersBound). */
  usersBound: Set<Unit>;
  /** Whether the unit's text occurs twice in the file. */
  twice: (u: Unit) => boolean;
}

/**
 * What must be walked for the data flow: the dirty units and what they see or are seen by, and the units the module
 * body refers to (helpers it calls, layers it builds at module level).
 */
function walkedUnits(units: readonly Unit[], graph: UnitGraph<Unit>, model: PythonModel, { dirty, callerFreeUnits, usersBound }: Signs, bodyRefs: ReadonlySet<string>): Set<Unit> {
  const bodyUnits = [...bodyRefs].flatMap((r) => graph.named(r));
  // Units using a layer built at module level add uses to it: walk them for the module body's findings.
  const moduleInstances = new Set<string>();
  model.moduleScope.bindings.forEach((bindings, name) => {
    if (bindings.some((b) => b.kind === 'assign' && b.value.kind === 'call')) moduleInstances.add(name);
  });
  const usersOfModuleLayers = moduleInstances.size ? units.filter((u) => refersToAny(u.facts.refs, moduleInstances)) : [];
  // Callers of dirty units too: a helper's list of layers is connected where a caller splices it (not for a unit
  // whose findings do not depend on its callers: a caller edited is dirty itself).
  const callersWalked = [...dirty].filter((u) => !callerFreeUnits.has(u)).flatMap((u) => graph.callers(u));
  // Everything reaching a module class that hands on a layer's output: its instances' outputs go where those use them.
  const usersWalked = [...dirty].filter((u) => usersBound.has(u)).flatMap((u) => graph.users(u));
  return graph.closure([...dirty, ...callersWalked, ...usersWalked, ...bodyUnits, ...usersOfModuleLayers]);
}

/** The units by place: the one an offset is in. */
class UnitPlaces {
  private readonly sorted: Unit[];
  constructor(units: readonly Unit[]) {
    this.sorted = [...units].sort((a, b) => a.from - b.from);
  }

  at(offset: number): Unit | undefined {
    return spanAt(this.sorted, offset);
  }
}

/**
 * Keeps each dirty unit's fresh findings for its next version (unless a fix reaches outside the unit, or its text
 * occurs twice).
 */
function keepFresh(fresh: readonly UnitFinding[], fileWide: (rule: Rule) => boolean, places: UnitPlaces, { dirty, sigs, twice }: Signs): void {
  const perUnit = new Map<Unit, UnitFinding[]>();
  const volatile = new Set<Unit>();
  for (const f of fresh) {
    if (fileWide(f.rule)) continue;
    const u = places.at(f.raw.span.from);
    if (!u) continue;
    push(perUnit, u, f);
    // An edit at the unit's very start or end (an import inserted before a class) depends on what is around it.
    if (f.raw.volatile || f.raw.fixes.some((fx) => fx.edits.some((e) => e.from <= u.from || e.to >= u.to))) volatile.add(u);
  }
  for (const u of dirty) {
    if (volatile.has(u) || twice(u)) {
      u.facts.entry = undefined;
      continue;
    }
    const findings = (perUnit.get(u) ?? []).map(
      (f): Cached => ({
        rule: f.rule,
        from: f.raw.span.from - u.from,
        to: f.raw.span.to - u.from,
        message: f.raw.message,
        fixes: f.raw.fixes.map((fx) => ({
          title: fx.title,
          isPreferred: fx.isPreferred,
          edits: fx.edits.map((e) => ({ from: e.from - u.from, to: e.to - u.from, text: e.text })),
        })),
      }),
    );
    u.facts.entry = { sig: sigs.get(u)!, findings };
  }
}

/** A cached finding at its unit's start `at`. */
export function placed(c: Cached, at: number): UnitFinding {
  return {
    rule: c.rule,
    raw: {
      span: { from: at + c.from, to: at + c.to },
      message: c.message,
      fixes: c.fixes.map((fx) => ({
        title: fx.title,
        isPreferred: fx.isPreferred,
        edits: fx.edits.map((e) => ({ from: at + e.from, to: at + e.to, text: e.text })),
      })),
    },
  };
}

/** `refs` and what the module body's statements binding them refer to, transitively. */
function throughBody(refs: ReadonlySet<string>, bodyLinks: ReadonlyMap<string, ReadonlySet<string>>): ReadonlySet<string> {
  let out: Set<string> | undefined;
  const queue: string[] = [];
  for (const r of refs) if (bodyLinks.has(r)) queue.push(r);
  while (queue.length) {
    for (const r of bodyLinks.get(queue.pop()!)!) {
      if (refs.has(r) || out?.has(r)) continue;
      (out ??= new Set(refs)).add(r);
      if (bodyLinks.has(r)) queue.push(r);
    }
  }
  return out ?? refs;
}

/** The names statements of the module body bind there (not inside the functions and classes they define). */
function moduleBindings(stmts: readonly Stmt[]): string[] {
  const b = new ModuleBindings();
  b.walk(stmts);
  return b.names;
}

class ModuleBindings extends StmtWalker {
  readonly names: string[] = [];

  protected override onAssign(s: AssignStmt): void {
    for (const t of s.targets) this.names.push(...namesIn(t));
  }

  protected override onAugAssign(s: AugAssignStmt): void {
    this.names.push(...namesIn(s.target));
  }

  protected override onDef(s: FunctionDef): void {
    this.names.push(s.name);
  }

  protected override onClass(s: ClassDef): void {
    this.names.push(s.name);
  }

  protected override onLoop(s: LoopStmt): void {
    if (s.target) this.names.push(...namesIn(s.target));
    super.onLoop(s);
  }
}

/** The file's top-level classes by their statement. */
function topClasses(model: PythonModel): Map<Stmt, ClassInfo> {
  const out = new Map<Stmt, ClassInfo>();
  for (const c of model.classes) if (c.outer === model.moduleScope) out.set(c.def, c);
  return out;
}

function forwardsLayerOutput(model: PythonModel, cls: ClassInfo | undefined): boolean {
  return !!cls && model.forwardsLayerOutput(cls);
}

/** Whether `refs` holds one of `names`. */
function refersToAny(refs: ReadonlySet<string>, names: ReadonlySet<string>): boolean {
  for (const n of names) if (refs.has(n)) return true;
  return false;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
