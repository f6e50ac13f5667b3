/**
 * Scopes and what they bind: one pass over a module's statements recording, per scope, the bindings of each name
 * (imports, assignments, parameters, functions, classes), the functions and classes with the attributes their
 * methods assign (`self.conv = …`, `self.add_module('conv', …)`), and which statement each value belongs to.
 */
import type { AssignStmt, AugAssignStmt, ClassDef, Expr, ExprStmt, FromImportStmt, FunctionDef, IfStmt, ImportStmt, LoopStmt, Module, OtherStmt, Param, ReturnStmt, Span, Stmt } from './ast';
import type { Symbols } from './symbols';
import { StmtWalker } from './walk';

export type ScopeKind = 'module' | 'function' | 'class';

export interface FunctionInfo {
  def: FunctionDef;
  scope: Scope;
  /** The scope the function is defined in (defaults are evaluated there). */
  outer: Scope;
  /** The class when this is a method. */
  cls?: ClassInfo;
}

export interface AttrDef {
  value: Expr;
  /** Scope the value expression is evaluated in. */
  scope: Scope;
  stmt: Stmt;
  /** Method the attribute is assigned in; undefined for class-level fields. */
  method?: FunctionInfo;
  /** The `if` conditions around the assignment inside its method (`if use_bn: self.bn = …`). */
  conds: Cond[];
}

/** An `if` test around a statement, true on its path (false when `negated`: the `else` side). */
export interface Cond {
  test: Expr;
  negated: boolean;
}

export interface ClassInfo {
  def: ClassDef;
  scope: Scope;
  outer: Scope;
  methods: Map<string, FunctionInfo>;
  attrs: Map<string, AttrDef[]>;
}

/**
 * `node`: the statement (or definition) binding the name; where it is bound is `node.from`, read when needed (a statement
 * whose scopes are kept moves with its offsets, see unitScopes.ts).
 */
export type Binding =
  | { kind: 'import'; qname: string; node: Span }
  | { kind: 'assign'; value: Expr; node: Span; stmt: Stmt }
  /** One name of a tuple unpacked from a value that is not a literal tuple: `backend, layers, models, utils = f(kwargs)`. */
  | { kind: 'unpack'; value: Expr; index: number; node: Span; stmt: Stmt }
  | { kind: 'param'; param: Param; index: number }
  | { kind: 'def'; fn: FunctionInfo; node: Span }
  | { kind: 'class'; cls: ClassInfo; node: Span }
  | { kind: 'unknown'; node: Span };

/** `from m import *`: the module (absolute, or with its leading dots when relative) and the statement. */
export interface StarImport {
  module: string;
  node: FromImportStmt;
}

export class Scope {
  readonly bindings = new Map<string, Binding[]>();
  /** The `from m import *` statements, in order. */
  readonly starImports: StarImport[] = [];
  /** Name of the first parameter of a method (`self`). */
  selfName?: string;
  fn?: FunctionInfo;
  cls?: ClassInfo;
  /** Names declared `global` here: their assignments bind in the module scope. */
  globals?: Set<string>;
  /** The file's symbols (set once they are built): scopes of another module answer through their own file. */
  owner!: Symbols;

  constructor(
    readonly kind: ScopeKind,
    /** Set anew for the top-level scopes of a statement whose scopes are kept between versions (unitScopes.ts). */
    public parent: Scope | undefined,
  ) {}

  bind(name: string, b: Binding): void {
    const list = this.bindings.get(name);
    if (list) list.push(b);
    else this.bindings.set(name, [b]);
  }
}

/** The statement whose value (right-hand side, expression, return value) an expression is. */
export interface StatementIndex {
  get(e: Expr): Stmt | undefined;
}

/** What one pass over a module finds. */
export interface FileScopes {
  moduleScope: Scope;
  functions: FunctionInfo[];
  classes: ClassInfo[];
  /** Every name bound anywhere in the file (for picking fresh names). */
  allNames: Set<string>;
  statementOf: Map<Expr, Stmt>;
}

export function collectScopes(module: Module, text: string): FileScopes {
  return collectStatements(module.body, text);
}

/** The same for some top-level statements. */
export function collectStatements(stmts: readonly Stmt[], text: string): FileScopes {
  const out: FileScopes = { moduleScope: new Scope('module', undefined), functions: [], classes: [], allNames: new Set(), statementOf: new Map() };
  new ScopeBuilder(out, out.moduleScope, text).walk(stmts);
  return out;
}

class ScopeBuilder extends StmtWalker {
  constructor(
    private readonly out: FileScopes,
    private readonly scope: Scope,
    private readonly text: string,
  ) {
    super();
  }

  /** The `if` tests around the current statement, within the current function. */
  private readonly conds: Cond[] = [];

  protected override onIf(s: IfStmt): void {
    this.conds.push({ test: s.test, negated: false });
    this.walk(s.body);
    this.conds[this.conds.length - 1] = { test: s.test, negated: true };
    this.walk(s.orelse);
    this.conds.pop();
  }

  /** Where an assignment to `name` binds: here, or the module scope for a `global` name. */
  private target(name: string): Scope {
    return this.scope.globals?.has(name) ? this.out.moduleScope : this.scope;
  }

  protected override onImport(s: ImportStmt): void {
    for (const n of s.names) {
      if (n.asname) this.scope.bind(n.asname, { kind: 'import', qname: n.module, node: s });
      else {
        const top = n.module.split('.')[0];
        this.scope.bind(top, { kind: 'import', qname: top, node: s });
      }
      this.out.allNames.add(n.asname ?? n.module.split('.')[0]);
    }
  }

  protected override onFrom(s: FromImportStmt): void {
    const base = s.level > 0 ? `${'.'.repeat(s.level)}${s.module}` : s.module;
    for (const n of s.names) {
      if (n.name === '*') {
        this.scope.starImports.push({ module: base, node: s });
        continue;
      }
      const local = n.asname ?? n.name;
      this.scope.bind(local, { kind: 'import', qname: base ? `${base}${base.endsWith('.') ? '' : '.'}${n.name}` : n.name, node: s });
      this.out.allNames.add(local);
    }
  }

  protected override onAssign(s: AssignStmt): void {
    for (const t of s.targets) this.bindTarget(t, s, s.value);
    if (s.value) this.out.statementOf.set(s.value, s);
  }

  protected override onAugAssign(s: AugAssignStmt): void {
    if (s.target.kind === 'name') this.target(s.target.id).bind(s.target.id, { kind: 'unknown', node: s });
  }

  protected override onExpr(s: ExprStmt): void {
    this.out.statementOf.set(s.value, s);
    this.selfAttrCall(s.value, s);
  }

  protected override onReturn(s: ReturnStmt): void {
    if (s.value) this.out.statementOf.set(s.value, s);
  }

  protected override onOther(s: OtherStmt): void {
    // `global x`: later assignments to x in this function bind the module's x.
    if (s.what === 'ScopeStatement' && this.scope.kind === 'function' && this.text.startsWith('global', s.from)) {
      for (const e of s.exprs) if (e.kind === 'name') (this.scope.globals ??= new Set()).add(e.id);
    }
  }

  protected override onLoop(s: LoopStmt): void {
    if (s.target) this.bindTarget(s.target, s, undefined);
    super.onLoop(s);
  }

  private bindTarget(t: Expr, stmt: Stmt, value: Expr | undefined): void {
    if (t.kind === 'name') {
      this.target(t.id).bind(t.id, value ? { kind: 'assign', value, node: stmt, stmt } : { kind: 'unknown', node: stmt });
      this.out.allNames.add(t.id);
    } else if (t.kind === 'tuple' || t.kind === 'list') {
      // Unpack a literal tuple element-wise when the value is one of the same length.
      const vals = value && (value.kind === 'tuple' || value.kind === 'list') && value.elts.length === t.elts.length ? value.elts : undefined;
      const starred = t.elts.some((e) => e.kind === 'starred');
      t.elts.forEach((e, i) => {
        if (!vals && value && !starred && e.kind === 'name') {
          this.target(e.id).bind(e.id, { kind: 'unpack', value, index: i, node: stmt, stmt });
          this.out.allNames.add(e.id);
        } else this.bindTarget(e.kind === 'starred' ? e.value : e, stmt, vals ? vals[i] : undefined);
      });
    } else if (t.kind === 'attr' && value) {
      const method = this.scope.fn;
      if (method?.cls && this.scope.selfName && t.value.kind === 'name' && t.value.id === this.scope.selfName) {
        addAttr(method.cls, t.attr, { value, scope: this.scope, stmt, method, conds: [...this.conds] });
      }
    }
  }

  /** `self.add_module('name', layer)` and `setattr(self, 'name', layer)` define attributes too. */
  private selfAttrCall(e: Expr, stmt: Stmt): void {
    const scope = this.scope;
    const method = scope.fn;
    if (e.kind !== 'call' || !method?.cls || !scope.selfName) return;
    const f = e.func;
    let nameArg: Expr | undefined;
    let valueArg: Expr | undefined;
    if (f.kind === 'attr' && f.attr === 'add_module' && f.value.kind === 'name' && f.value.id === scope.selfName) {
      nameArg = e.args[0]?.value;
      valueArg = e.args[1]?.value;
    } else if (f.kind === 'name' && f.id === 'setattr' && e.args[0]?.value.kind === 'name' && e.args[0].value.id === scope.selfName) {
      nameArg = e.args[1]?.value;
      valueArg = e.args[2]?.value;
    }
    if (nameArg?.kind === 'string' && nameArg.value !== undefined && valueArg) {
      addAttr(method.cls, nameArg.value, { value: valueArg, scope, stmt, method, conds: [...this.conds] });
    }
  }

  protected override onDef(d: FunctionDef): void {
    const scope = this.scope;
    const fnScope = new Scope('function', scope);
    const cls = scope.kind === 'class' ? scope.cls : undefined;
    const fn: FunctionInfo = { def: d, scope: fnScope, outer: scope, cls };
    fnScope.fn = fn;
    this.out.functions.push(fn);
    scope.bind(d.name, { kind: 'def', fn, node: d });
    this.out.allNames.add(d.name);
    if (cls) {
      cls.methods.set(d.name, fn);
      const first = d.params[0];
      const isStatic = d.decorators.some((x) => x.kind === 'name' && x.id === 'staticmethod');
      if (first && !first.star && !isStatic) fnScope.selfName = first.name;
    }
    d.params.forEach((p, index) => {
      fnScope.bind(p.name, { kind: 'param', param: p, index });
      this.out.allNames.add(p.name);
    });
    new ScopeBuilder(this.out, fnScope, this.text).walk(d.body);
  }

  protected override onClass(c: ClassDef): void {
    const scope = this.scope;
    const clsScope = new Scope('class', scope);
    const cls: ClassInfo = { def: c, scope: clsScope, outer: scope, methods: new Map(), attrs: new Map() };
    clsScope.cls = cls;
    this.out.classes.push(cls);
    scope.bind(c.name, { kind: 'class', cls, node: c });
    this.out.allNames.add(c.name);
    for (const s of c.body) {
      if (s.kind === 'assign' && s.value) {
        for (const t of s.targets) if (t.kind === 'name') addAttr(cls, t.id, { value: s.value, scope: clsScope, stmt: s, conds: [] });
      }
    }
    new ScopeBuilder(this.out, clsScope, this.text).walk(c.body);
  }
}

function addAttr(cls: ClassInfo, name: string, def: AttrDef): void {
  const list = cls.attrs.get(name);
  if (list) list.push(def);
  else cls.attrs.set(name, [def]);
}
