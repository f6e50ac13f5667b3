/**
 * The checks CPython's compiler makes on names and scopes after parsing (its symbol table), so that a file it
 * refuses to compile is refused here too: `global` / `nonlocal` after a use or an assignment, a `nonlocal` with no
 * binding to refer to, `yield` / `await` / `return` where they cannot be, asynchronous comprehensions in a
 * synchronous function, and the assignment-expression rules inside comprehensions.
 *
 * The parser reports names and events as it reads them, in source order. A comprehension's element is read before
 * its `for` says it is one, so events are kept until the statement ends (flush), when every scope is known.
 */
import type { NameExpr } from './ast';

export type ScopeKind = 'module' | 'class' | 'function' | 'lambda' | 'comprehension';

/** What a comprehension builds (its messages name it). */
export type ComprehensionKind = 'list comprehension' | 'set comprehension' | 'dict comprehension' | 'generator expression';

interface Binding {
  name: string;
  pos: number;
  annotated: boolean;
  param: boolean;
}

interface Declaration {
  name: string;
  pos: number;
  end: number;
  global: boolean;
}

export class Scope {
  readonly bindings: Binding[] = [];
  readonly uses: NameExpr[] = [];
  readonly decls: Declaration[] = [];
  async = false;
  /** For comprehensions: asynchronous (an `await` or `async for` in it, or an asynchronous comprehension). */
  coroutine = false;
  yieldAt = -1;
  returnValueAt: [number, number] | undefined;
  private bound?: Set<string>;

  constructor(
    readonly kind: ScopeKind,
    public parent: Scope | undefined,
    readonly comprehension?: ComprehensionKind,
  ) {}

  declared(name: string): Declaration | undefined {
    for (const d of this.decls) if (d.name === name) return d;
    return undefined;
  }

  binds(name: string): boolean {
    if (!this.bound) {
      this.bound = new Set();
      for (const b of this.bindings) this.bound.add(b.name);
    }
    return this.bound.has(name);
  }

  addBinding(b: Binding): void {
    this.bindings.push(b);
    this.bound?.add(b.name);
  }
}

/** Where errors go (the parser). */
interface Reporter {
  report(message: string, from: number, to: number): void;
}

interface Event {
  from: number;
  to: number;
  scope: Scope;
}

/** A finished comprehension, checked at the end of its statement. */
interface Comprehension {
  scope: Scope;
  from: number;
  to: number;
  /** Where its element ends (its first `for`). */
  elementEnd: number;
  /** Its iterable expressions (no assignment expression may be there). */
  iterables: [number, number][];
  /** Its iteration variables and where they are bound. */
  vars: { name: string; pos: number }[];
}

/** Where a comprehension's element began: what was recorded since then belongs to the comprehension. */
export interface ElementMark {
  uses: number;
  awaits: number;
  yields: number;
  scopes: number;
}

export class Scopes {
  current: Scope = new Scope('module', undefined);
  private nonlocals: { scope: Scope; decl: Declaration }[] = [];
  private awaits: Event[] = [];
  private yields: (Event & { from_: boolean })[] = [];
  private walruses: { name: string; from: number; to: number }[] = [];
  private comprehensions: Comprehension[] = [];
  /** Scopes entered during the current statement (lambdas and comprehensions), for re-parenting. */
  private created: Scope[] = [];

  /**
   * `topLevelAwait`: what CPython's `PyCF_ALLOW_TOP_LEVEL_AWAIT` allows (IPython compiles a cell so): `await`, and
   * asynchronous comprehensions, loops and `with`, in the module's own scope (not in a class body or a plain function).
   */
  constructor(
    private readonly reporter: Reporter,
    private readonly topLevelAwait = false,
  ) {}

  /** Whether code in scope `s` may await: an async function, or the module when top-level await is allowed. */
  mayAwait(s: Scope): boolean {
    return (s.kind === 'function' && s.async) || (this.topLevelAwait && s.kind === 'module');
  }

  enter(kind: ScopeKind, comprehension?: ComprehensionKind): Scope {
    this.current = new Scope(kind, this.current, comprehension);
    if (kind === 'lambda' || kind === 'comprehension') this.created.push(this.current);
    return this.current;
  }

  exit(): void {
    const s = this.current;
    if (s.kind === 'function' && s.async && s.yieldAt >= 0 && s.returnValueAt) {
      this.reporter.report("'return' with value in async generator", s.returnValueAt[0], s.returnValueAt[1]);
    }
    this.current = s.parent ?? s;
  }

  use(e: NameExpr): void {
    this.current.uses.push(e);
  }

  /** A name bound in the current scope (an assignment target, a parameter, an import, a definition…). */
  bind(name: string, pos: number, end: number, how: 'param' | 'annotated' | 'plain' = 'plain'): void {
    const s = this.current;
    if (how === 'annotated') {
      const d = s.declared(name);
      if (d) this.reporter.report(`annotated name '${name}' can't be ${d.global ? 'global' : 'nonlocal'}`, pos, end);
    }
    s.addBinding({ name, pos, annotated: how === 'annotated', param: how === 'param' });
  }

  /** `x := value`: binds `x` in the nearest enclosing scope that is not a comprehension (checked at flush). */
  bindWalrus(name: string, pos: number, end: number): void {
    let s: Scope | undefined = this.current;
    while (s && s.kind === 'comprehension') s = s.parent;
    s?.addBinding({ name, pos, annotated: false, param: false });
    this.walruses.push({ name, from: pos, to: end });
  }

  awaitAt(from: number, to: number): void {
    this.awaits.push({ from, to, scope: this.current });
  }

  yieldAt(from: number, to: number, isFrom: boolean): void {
    this.yields.push({ from, to, scope: this.current, from_: isFrom });
  }

  /** Before a possible comprehension's element. */
  mark(): ElementMark {
    return { uses: this.current.uses.length, awaits: this.awaits.length, yields: this.yields.length, scopes: this.created.length };
  }

  /** The element read since `mark` was a comprehension's: enters its scope and moves what the element did there. */
  enterComprehension(kind: ComprehensionKind, mark: ElementMark): Scope {
    const outer = this.current;
    const c = this.enter('comprehension', kind);
    for (const u of outer.uses.splice(mark.uses)) c.uses.push(u);
    for (let i = mark.awaits; i < this.awaits.length; i++) if (this.awaits[i].scope === outer) this.awaits[i].scope = c;
    for (let i = mark.yields; i < this.yields.length; i++) if (this.yields[i].scope === outer) this.yields[i].scope = c;
    for (let i = mark.scopes; i < this.created.length; i++) if (this.created[i].parent === outer && this.created[i] !== c) this.created[i].parent = c;
    return c;
  }

  /** A comprehension is complete (its scope is left). */
  endComprehension(info: Omit<Comprehension, 'scope'>): void {
    this.comprehensions.push({ scope: this.current, ...info });
    this.exit();
  }

  /** `global` / `nonlocal` names, with CPython's checks against what the scope did with them before. */
  declare(name: string, pos: number, end: number, global: boolean): void {
    const s = this.current;
    const what = global ? 'global' : 'nonlocal';
    if (!global && s.kind === 'module') {
      this.reporter.report('nonlocal declaration not allowed at module level', pos, end);
      return;
    }
    const other = s.declared(name);
    if (other && other.global !== global) {
      this.reporter.report(`name '${name}' is nonlocal and global`, pos, end);
      return;
    }
    let param = false;
    let annotated = false;
    let assigned = false;
    for (const b of s.bindings) {
      if (b.name !== name) continue;
      if (b.param) param = true;
      else if (b.annotated) annotated = true;
      else assigned = true;
    }
    // A target is read as an expression before it is known to be one: a use at a binding's place is the binding.
    const used = s.uses.some((u) => u.id === name && u.from < pos && !s.bindings.some((b) => b.name === name && b.pos === u.from));
    const message = param
      ? `name '${name}' is parameter and ${what}`
      : used
        ? `name '${name}' is used prior to ${what} declaration`
        : annotated
          ? `annotated name '${name}' can't be ${what}`
          : assigned
            ? `name '${name}' is assigned to before ${what} declaration`
            : undefined;
    if (message) {
      this.reporter.report(message, pos, end);
      return;
    }
    const decl = { name, pos, end, global };
    s.decls.push(decl);
    if (!global) this.nonlocals.push({ scope: s, decl });
  }

  /** At the end of each statement: the checks that needed every scope of it to be known. */
  flush(): void {
    for (const a of this.awaits) {
      const s = a.scope;
      if (s.kind === 'comprehension') s.coroutine = true;
      else if (this.mayAwait(s)) continue;
      else if (s.kind === 'module' || s.kind === 'class') this.reporter.report("'await' outside function", a.from, a.to);
      else this.reporter.report("'await' outside async function", a.from, a.to);
    }
    for (const y of this.yields) {
      const s = y.scope;
      if (s.kind === 'comprehension') this.reporter.report(`'yield' inside ${s.comprehension}`, y.from, y.to);
      else if (s.kind === 'module' || s.kind === 'class') this.reporter.report("'yield' outside function", y.from, y.to);
      else {
        s.yieldAt = y.from;
        if (y.from_ && s.async) this.reporter.report("'yield from' inside async function", y.from, y.to);
      }
    }
    for (const c of this.comprehensions) {
      const async = c.scope.coroutine && c.scope.comprehension !== 'generator expression';
      const parent = c.scope.parent!;
      if (async) {
        if (parent.kind === 'comprehension') parent.coroutine = true;
        else if (!this.mayAwait(parent)) {
          this.reporter.report('asynchronous comprehension outside of an asynchronous function', c.from, c.to);
        }
      }
    }
    for (const w of this.walruses) this.checkWalrus(w);
    this.awaits = [];
    this.yields = [];
    this.walruses = [];
    this.comprehensions = [];
    this.created = [];
  }

  /** Assignment expressions inside comprehensions (CPython's symtable rules). */
  private checkWalrus(w: { name: string; from: number; to: number }): void {
    let outermost: Comprehension | undefined;
    for (const c of this.comprehensions) {
      if (w.from < c.from || w.from >= c.to) continue;
      outermost = !outermost || c.from < outermost.from ? c : outermost;
      if (c.iterables.some(([a, b]) => w.from >= a && w.from < b)) {
        this.reporter.report('assignment expression cannot be used in a comprehension iterable expression', w.from, w.to);
        return;
      }
      const v = c.vars.find((x) => x.name === w.name);
      if (v) {
        const message = w.from > c.elementEnd && v.pos > w.from ? `comprehension inner loop cannot rebind assignment expression target '${w.name}'` : `assignment expression cannot rebind comprehension iteration variable '${w.name}'`;
        this.reporter.report(message, w.from, w.to);
        return;
      }
    }
    if (!outermost) return;
    let s: Scope | undefined = outermost.scope.parent;
    while (s && s.kind === 'comprehension') s = s.parent;
    if (s?.kind === 'class') this.reporter.report('assignment expression within a comprehension cannot be used in a class body', w.from, w.to);
  }

  /** At the end of a top-level statement: every `nonlocal` in it must name a binding of an enclosing function. */
  resolveNonlocals(): void {
    for (const { scope, decl } of this.nonlocals) {
      let found = false;
      for (let s = scope.parent; s && s.kind !== 'module'; s = s.parent) {
        if (s.kind === 'class') {
          // A class gives the functions in it an implicit `__class__` cell (and `__classdict__`, 3.12).
          if (decl.name === '__class__' || decl.name === '__classdict__') {
            found = true;
            break;
          }
          continue;
        }
        const d = s.declared(decl.name);
        if (d?.global) break;
        if (d || s.binds(decl.name)) {
          found = true;
          break;
        }
      }
      if (!found) this.reporter.report(`no binding for nonlocal '${decl.name}' found`, decl.pos, decl.end);
    }
    this.nonlocals = [];
  }
}
