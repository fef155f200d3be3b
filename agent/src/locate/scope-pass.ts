/**
 * The scope analysis (scope-model.ts) of the prepare transform and of the worker placing an
 * action (source-analysis.ts): one walk over the file that opens a scope
 * where the language does, defines each declared name in it, and carries each reference up to
 * the scope that declares its name. It visits nodes in the order ESLint's scope analysis does,
 * so that names are listed and references met in the same order: the bindings a probe site
 * passes, and their order, come from these lists.
 */
import { isFunction, isNode, type AstNode } from './ast-node.js';
import { type Definition, Scope, type ScopeType } from './scope-model.js';

export interface ScopeAnalysis {
  /** The innermost scope a node opens, or null. */
  acquire(node: AstNode): Scope | null;
  /** Function (variable) scopes that hold a direct `eval` or a `with`: left unprepared. */
  dynamic: ReadonlySet<Scope>;
  /** The innermost scope around an offset (a node's end counts as inside it), or undefined outside the program. */
  scopeAt(offset: number): Scope | undefined;
  /**
   * Where each function and class starts, ascending: an expression with none inside holds no
   * statement, no scope and no function, so the transform need not walk it. Computed when asked.
   */
  functionStarts(): Int32Array;
}

export function analyseScopes(program: AstNode, kind: 'module' | 'commonjs'): ScopeAnalysis {
  const pass = new ScopePass();
  pass.program(program, kind);
  return {
    acquire: (node) => pass.scopes.get(node) ?? null,
    dynamic: pass.dynamic,
    scopeAt: (offset) => innermost(pass.scopes, offset),
    functionStarts: () => functionStarts(pass.scopes),
  };
}

/** Every function and class opens a scope, and `scopes` holds each under its node. */
function functionStarts(scopes: ReadonlyMap<AstNode, Scope>): Int32Array {
  const starts: number[] = [];
  for (const block of scopes.keys()) {
    if (isFunction(block) || block.type === 'ClassDeclaration' || block.type === 'ClassExpression') starts.push(block.start);
  }
  return Int32Array.from(starts).sort();
}

/** Of the scopes a node opens, `scopes` holds the innermost: the smallest block around `offset` is the answer. */
function innermost(scopes: ReadonlyMap<AstNode, Scope>, offset: number): Scope | undefined {
  let best: Scope | undefined;
  let bestSize = Number.POSITIVE_INFINITY;
  for (const [block, scope] of scopes) {
    if (offset < block.start || offset > block.end) continue;
    const size = block.end - block.start;
    // Two blocks of one size (a file that is one block statement): scopes open outermost first, so the later is inside.
    if (size <= bestSize) {
      best = scope;
      bestSize = size;
    }
  }
  return best;
}

/** The child fields ESLint's walk visits for the node types it has no rule of its own for. */
const KEYS: Record<string, readonly string[] | undefined> = {
  ArrayExpression: ['elements'],
  AwaitExpression: ['argument'],
  BinaryExpression: ['left', 'right'],
  BlockStatement: ['body'],
  CallExpression: ['callee', 'arguments'],
  ChainExpression: ['expression'],
  ClassBody: ['body'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  DoWhileStatement: ['body', 'test'],
  ExportNamedDeclaration: ['declaration', 'specifiers', 'source'],
  ExpressionStatement: ['expression'],
  ForStatement: ['init', 'test', 'update', 'body'],
  IfStatement: ['test', 'consequent', 'alternate'],
  ImportExpression: ['source'],
  LogicalExpression: ['left', 'right'],
  NewExpression: ['callee', 'arguments'],
  ObjectExpression: ['properties'],
  ObjectPattern: ['properties'],
  Program: ['body'],
  RestElement: ['argument'],
  ReturnStatement: ['argument'],
  SequenceExpression: ['expressions'],
  SpreadElement: ['argument'],
  StaticBlock: ['body'],
  SwitchCase: ['test', 'consequent'],
  TaggedTemplateExpression: ['tag', 'quasi'],
  TemplateLiteral: ['quasis', 'expressions'],
  ThrowStatement: ['argument'],
  TryStatement: ['block', 'handler', 'finalizer'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  WhileStatement: ['test', 'body'],
  YieldExpression: ['argument'],
  Identifier: [],
  Literal: [],
  Super: [],
  TemplateElement: [],
  EmptyStatement: [],
  DebuggerStatement: [],
};

type OnName = (identifier: AstNode) => void;

class ScopePass {
  readonly scopes = new Map<AstNode, Scope>();
  readonly dynamic = new Set<Scope>();
  private current!: Scope;
  /** Every open scope's unresolved references, outermost first (Scope.base). */
  private readonly references: AstNode[] = [];
  private readonly reference: OnName = (identifier) => this.references.push(identifier);

  program(program: AstNode, kind: 'module' | 'commonjs'): void {
    this.open('global', program);
    if (kind === 'commonjs') this.openFunction(program);
    else this.open('module', program);
    this.children(program);
    this.close(program);
  }

  private open(type: ScopeType, block: AstNode): Scope {
    const scope = new Scope(type, this.current ?? null, block);
    scope.base = this.references.length;
    this.scopes.set(block, scope);
    this.current = scope;
    return scope;
  }

  private openFunction(block: AstNode): void {
    const scope = this.open('function', block);
    if (block.type !== 'ArrowFunctionExpression') scope.define('arguments', undefined, 0);
  }

  /** Closes every scope `block` opened: each reference either resolves here or moves up. */
  private close(block: AstNode): void {
    const refs = this.references;
    while (this.current?.block === block) {
      const scope = this.current;
      this.current = scope.upper!;
      // A block that declares nothing passes every reference up as it is: no need to visit them.
      if (!scope.dynamic && scope.variables.length === 0 && scope.through === undefined) continue;
      let kept = scope.base;
      if (!scope.dynamic || scope.type === 'global' || scope.type === 'with') {
        const resolving = !scope.dynamic || scope.type === 'global';
        for (let i = scope.base; i < refs.length; i++) {
          const ref = refs[i]!;
          if (resolving) {
            const variable = scope.lookup(ref.name);
            if (variable !== undefined && scope.resolves(variable, ref.start)) continue;
            if (scope.through !== undefined && !scope.through.has(ref.name)) scope.through.set(ref.name, ref);
          }
          refs[kept++] = ref;
        }
      }
      // A dynamic scope's references resolve nowhere, and every scope around it is dynamic too.
      refs.length = kept;
    }
  }

  private children(node: AstNode): void {
    const keys = KEYS[node.type] ?? Object.keys(node);
    const listsProperties = node.type === 'ObjectExpression' || node.type === 'ObjectPattern';
    for (const key of keys) {
      const child = node[key];
      if (!child) continue;
      if (Array.isArray(child)) {
        for (const item of child) if (item && (listsProperties || isNode(item))) this.visit(item);
      } else if (isNode(child)) this.visit(child);
    }
  }

  private visit(node: AstNode | null | undefined): void {
    if (node == null) return;
    switch (node.type) {
      case 'Identifier':
        this.references.push(node);
        return;
      case 'PrivateIdentifier':
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
      case 'ThisExpression':
      case 'JSXIdentifier':
        return;
      case 'LabeledStatement':
        return this.visit(node.body);
      case 'MemberExpression':
        this.visit(node.object);
        if (node.computed) this.visit(node.property);
        return;
      case 'Property':
      case 'MethodDefinition':
        if (node.computed) this.visit(node.key);
        return this.visit(node.value);
      case 'PropertyDefinition':
        if (node.computed) this.visit(node.key);
        if (node.value) {
          this.open('class-field-initializer', node.value);
          this.visit(node.value);
          this.close(node.value);
        }
        return;
      case 'AssignmentExpression':
        this.assignment(node);
        return;
      case 'UpdateExpression':
        if (!isPattern(node.argument)) this.children(node);
        else if (node.argument.type === 'Identifier') this.reference(node.argument);
        return;
      case 'CallExpression':
        if (node.callee.type === 'Identifier' && node.callee.name === 'eval') this.directEval();
        return this.children(node);
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return this.func(node);
      case 'ClassDeclaration':
      case 'ClassExpression':
        return this.klass(node);
      case 'VariableDeclaration':
        return this.declaration(node);
      default:
        return this.scoped(node);
    }
  }

  /** The statements that open a scope (or import and export), else the generic walk. */
  private scoped(node: AstNode): void {
    switch (node.type) {
      case 'BlockStatement':
      case 'StaticBlock':
        this.open(node.type === 'StaticBlock' ? 'class-static-block' : 'block', node);
        this.children(node);
        return this.close(node);
      case 'ForStatement':
        if (node.init?.type === 'VariableDeclaration' && node.init.kind !== 'var') this.open('for', node);
        this.children(node);
        return this.close(node);
      case 'ForInStatement':
      case 'ForOfStatement':
        return this.forIn(node);
      case 'SwitchStatement':
        this.visit(node.discriminant);
        this.open('switch', node);
        for (const c of node.cases) this.visit(c);
        return this.close(node);
      case 'CatchClause':
        this.open('catch', node);
        this.pattern(node.param, this.definer('CatchClause', node.end), true);
        this.visit(node.body);
        return this.close(node);
      case 'WithStatement':
        this.visit(node.object);
        this.dynamic.add(this.current.variableScope);
        this.open('with', node);
        this.visit(node.body);
        return this.close(node);
      case 'ImportDeclaration':
        for (const specifier of node.specifiers)
          this.define(this.current, specifier.local, { type: 'ImportBinding', kind: undefined, end: specifier.end });
        return;
      case 'ExportAllDeclaration':
      case 'ExportDefaultDeclaration':
      case 'ExportNamedDeclaration':
        if (node.source) return;
        if (node.declaration) return this.visit(node.declaration);
        return this.children(node);
      case 'ExportSpecifier':
        return this.visit(node.local);
      case 'JSXOpeningElement':
        for (const attribute of node.attributes) this.visit(attribute);
        return;
      case 'JSXAttribute':
        return this.visit(node.value);
      case 'JSXMemberExpression':
      case 'JSXNamespacedName':
        return;
      default:
        return this.children(node);
    }
  }

  private directEval(): void {
    const scope = this.current.variableScope;
    this.dynamic.add(scope);
    for (let s: Scope | null = scope; s !== null; s = s.upper) s.dynamic = true;
  }

  private func(node: AstNode): void {
    if (node.type === 'FunctionDeclaration') this.define(this.current, node.id, { type: 'FunctionName', kind: undefined, end: node.end });
    if (node.type === 'FunctionExpression' && node.id) {
      this.open('function-expression-name', node);
      this.define(this.current, node.id, { type: 'FunctionName', kind: undefined, end: node.end });
    }
    this.openFunction(node);
    const param = this.definer('Parameter', node.end);
    for (const p of node.params) this.pattern(p, param, true);
    if (node.body.type === 'BlockStatement') this.children(node.body);
    else this.visit(node.body);
    this.close(node);
  }

  private klass(node: AstNode): void {
    const def: Definition = { type: 'ClassName', kind: undefined, end: node.end };
    if (node.type === 'ClassDeclaration') this.define(this.current, node.id, def);
    this.open('class', node);
    if (node.id) this.define(this.current, node.id, def);
    this.visit(node.superClass);
    this.visit(node.body);
    this.close(node);
  }

  private declaration(node: AstNode): void {
    const target = node.kind === 'var' ? this.current.variableScope : this.current;
    for (const declarator of node.declarations) {
      const def: Definition = { type: 'Variable', kind: node.kind, end: declarator.end };
      this.pattern(declarator.id, (id) => this.define(target, id, def), true);
      if (declarator.init) this.visit(declarator.init);
    }
  }

  private forIn(node: AstNode): void {
    const left = node.left;
    if (left.type === 'VariableDeclaration' && left.kind !== 'var') this.open('for', node);
    // A declaration's own names resolve where they are declared: no reference to record.
    if (left.type === 'VariableDeclaration') this.visit(left);
    else this.pattern(left, this.reference, true);
    this.visit(node.right);
    this.visit(node.body);
    this.close(node);
  }

  private assignment(node: AstNode): void {
    if (isPattern(node.left)) {
      if (node.operator === '=') this.pattern(node.left, this.reference, true);
      else if (node.left.type === 'Identifier') this.reference(node.left);
    } else this.visit(node.left);
    this.visit(node.right);
  }

  private definer(type: 'Parameter' | 'CatchClause', end: number): OnName {
    const def: Definition = { type, kind: undefined, end };
    return (id) => this.define(this.current, id, def);
  }

  private define(scope: Scope, id: AstNode | null | undefined, def: Definition): void {
    if (id?.type === 'Identifier') scope.define(id.name, def, id.start);
  }

  /**
   * The names a pattern binds or assigns, in order, then (`rightHand`) the expressions inside
   * it (defaults, computed keys, member objects), as ESLint's pattern walk orders them.
   */
  private pattern(root: AstNode | null | undefined, onName: OnName, rightHand: boolean): void {
    const later: AstNode[] = [];
    walkPattern(root, onName, later);
    if (rightHand) for (const node of later) this.visit(node);
  }
}

function walkPattern(node: AstNode | null | undefined, onName: OnName, later: AstNode[]): void {
  if (node == null) return;
  switch (node.type) {
    case 'Identifier':
      return onName(node);
    case 'Property':
      if (node.computed) later.push(node.key);
      return walkPattern(node.value, onName, later);
    case 'ArrayPattern':
    case 'ArrayExpression':
      for (const element of node.elements) walkPattern(element, onName, later);
      return;
    case 'AssignmentPattern':
    case 'AssignmentExpression':
      walkPattern(node.left, onName, later);
      later.push(node.right);
      return;
    case 'RestElement':
    case 'SpreadElement':
      return walkPattern(node.argument, onName, later);
    case 'MemberExpression':
      if (node.computed) later.push(node.property);
      later.push(node.object);
      return;
    case 'CallExpression':
      for (const argument of node.arguments) later.push(argument);
      return walkPattern(node.callee, onName, later);
    default: {
      const keys = KEYS[node.type] ?? Object.keys(node);
      const listsProperties = node.type === 'ObjectPattern' || node.type === 'ObjectExpression';
      for (const key of keys) {
        const child = node[key];
        if (!child) continue;
        if (Array.isArray(child)) {
          for (const item of child) if (item && (listsProperties || isNode(item))) walkPattern(item, onName, later);
        } else if (isNode(child)) walkPattern(child, onName, later);
      }
    }
  }
}

function isPattern(node: AstNode): boolean {
  const type = node.type;
  return (
    type === 'Identifier' ||
    type === 'ObjectPattern' ||
    type === 'ArrayPattern' ||
    type === 'SpreadElement' ||
    type === 'RestElement' ||
    type === 'AssignmentPattern'
  );
}
