/**
 * The prepare transform (install path 2, docs/architecture.md §4): a pure function from a file's
 * source to prepared source, its probe sites and a position map.
 *
 * - A leaf function gets a guard at entry, `if ($lpF[n] !== 0) return name$lpn.call(this, …)`,
 *   and a twin declared right after the statement that contains it (same scope, so the same
 *   closure variables), flattened onto that statement's last line, with a site before each
 *   of its statements.
 * - Every other function (and the file's top level) gets a site guard before each statement.
 * - Expression-bodied arrows and functions with direct `eval`/`with` stay unprepared.
 *
 * A site guard is `if ($lpS[n] !== 0) $lp.hit(n, this, {a, b})`; the scope object is only
 * built when the flag is on. Nothing inserted contains a line break, so every line keeps its number.
 */
import { parse, type Comment } from 'acorn';
import { analyze, type Scope, type ScopeManager } from 'eslint-scope';
import { boundNames, childrenOf, isFunction, type AstNode } from './ast.js';
import type { FunctionReport, PreparedOutput } from './prepared-output.js';
import { bindingsAt, type SiteFunction } from './site-bindings.js';
import { build, lineOf, lineStartsOf, type Insert } from './text-builder.js';
import { readsThis, twinBlocker } from './twin-rules.js';

export interface PrepareOptions {
  kind: 'module' | 'commonjs';
  /** Declares `$lp`, `$lpF` and `$lpS` (module scope for CommonJS, an import for ESM); no line breaks. */
  header: string;
}

/** Bumped whenever the output for the same input changes: part of the cache key. */
export const TRANSFORM_VERSION = 2;

export class PrepareError extends Error {
  override name = 'PrepareError';
  readonly code = 'PREPARE_FAILED';
}

interface Context {
  scope: Scope;
  fn: SiteFunction;
  /** What a site passes as `this`. */
  self: 'this' | 'undefined';
  /** The twin's function flag while building a twin, else -1. */
  twin: number;
  inserts: Insert[];
  /** Twins of leaves found inside the current statement: they go right after it. */
  pending: Insert[];
  /** The scope a twin declared after the current statement would live in. */
  placement: Scope;
}

export function prepareSource(source: string, options: PrepareOptions): PreparedOutput {
  if (/[\n\r\u2028\u2029]/.test(options.header)) throw new PrepareError('the header must stay on one line');
  const comments: Comment[] = [];
  let program: AstNode;
  try {
    program = parse(source, {
      ecmaVersion: 'latest',
      sourceType: options.kind === 'module' ? 'module' : 'script',
      allowHashBang: true,
      ranges: true,
      allowReturnOutsideFunction: options.kind === 'commonjs',
      onComment: comments,
    }) as unknown as AstNode;
  } catch (err) {
    throw new PrepareError(`cannot parse: ${err instanceof Error ? err.message : String(err)}`);
  }
  let scopes: ScopeManager;
  try {
    scopes = analyze(program as never, { ecmaVersion: 2022, sourceType: options.kind === 'module' ? 'module' : 'commonjs' });
  } catch (err) {
    throw new PrepareError(`cannot analyse scopes: ${err instanceof Error ? err.message : String(err)}`);
  }
  return new Preparer(source, options, scopes, comments).run(program);
}

class Preparer {
  private readonly sites: number[] = [];
  private functions = 0;
  private readonly report: FunctionReport[] = [];
  private readonly lineStarts: number[];
  /** Function (variable) scopes that hold a direct `eval` or a `with`: left unprepared. */
  private readonly dynamic = new Set<Scope>();
  /** The nodes around the one being walked. */
  private readonly ancestors: AstNode[] = [];

  constructor(
    private readonly source: string,
    private readonly options: PrepareOptions,
    private readonly scopes: ScopeManager,
    private readonly comments: Comment[],
  ) {
    this.lineStarts = lineStartsOf(source);
    for (const scope of scopes.scopes) {
      if (scope.type === 'with' || (scope as Scope & { directCallToEvalScope?: boolean }).directCallToEvalScope === true)
        this.dynamic.add(scope.variableScope);
    }
  }

  run(program: AstNode): PreparedOutput {
    const top = this.scopes.acquire(program as never, true);
    if (top === null) throw new PrepareError('no scope for the file');
    if (this.dynamic.has(top)) throw new PrepareError('direct `eval` or `with` at the top level: left to breakpoints');
    const inserts: Insert[] = [];
    inserts.push({ at: this.headerOffset(program), text: this.headerText(program) });
    const ctx: Context = {
      scope: top,
      fn: { scope: top, node: undefined, outer: [] },
      self: this.options.kind === 'commonjs' ? 'this' : 'undefined',
      twin: -1,
      inserts,
      pending: [],
      placement: top,
    };
    this.ancestors.push(program);
    this.list(program.body, ctx);
    inserts.sort((a, b) => a.at - b.at);
    const built = build(this.source, 0, this.source.length, inserts, false, [], this.lineStarts);
    let sourceMappingURL: string | undefined;
    for (const comment of this.comments) sourceMappingURL = /^[#@] sourceMappingURL=(\S+)\s*$/.exec(comment.value)?.[1] ?? sourceMappingURL;
    return {
      code: built.text,
      sites: this.sites,
      functions: this.functions,
      map: built.lines,
      functionsReport: this.report,
      ...(sourceMappingURL === undefined ? {} : { sourceMappingURL }),
    };
  }

  /** After a hashbang line and (CommonJS) after the directive prologue, so `'use strict'` keeps working. */
  private headerOffset(program: AstNode): number {
    let at = 0;
    if (this.source.startsWith('#!')) {
      const end = this.source.search(/[\n\r\u2028\u2029]/);
      at = end === -1 ? this.source.length : (this.lineStarts[1] ?? this.source.length);
    }
    if (this.options.kind === 'commonjs') {
      const directives = (program.body as AstNode[]).filter(
        (s, i, all) => s.directive !== undefined && all.slice(0, i).every((p) => p.directive !== undefined),
      );
      const last = directives.at(-1);
      if (last !== undefined) at = last.end;
    }
    return at;
  }

  private headerText(program: AstNode): string {
    const directives = (program.body as AstNode[]).filter((s) => s.directive !== undefined);
    const last = directives.at(-1);
    const needsSemicolon = this.options.kind === 'commonjs' && last !== undefined && this.source[last.end - 1] !== ';';
    return `${needsSemicolon ? ';' : ''}${this.options.header}`;
  }

  private list(statements: AstNode[], ctx: Context): void {
    for (const statement of statements) {
      if (siteable(statement)) this.site(statement.start, ctx);
      const pending: Insert[] = [];
      this.walk(statement, { ...ctx, pending, placement: ctx.scope });
      if (ctx.twin >= 0 && this.source[statement.end - 1] !== ';') ctx.inserts.push({ at: statement.end, text: ';' });
      for (const twin of pending) ctx.inserts.push({ ...twin, at: statement.end });
    }
  }

  /** A statement body that is not a block (`if (x) y()`): braces around it give it a site. */
  private single(body: AstNode, ctx: Context): void {
    if (body.type === 'BlockStatement' || body.type === 'FunctionDeclaration' || body.type === 'EmptyStatement') {
      this.walk(body, ctx);
      return;
    }
    ctx.inserts.push({ at: body.start, text: '{' });
    this.site(body.start, ctx);
    this.walk(body, ctx);
    ctx.inserts.push({ at: body.end, text: ctx.twin >= 0 && this.source[body.end - 1] !== ';' ? ';}' : '}' });
  }

  private site(offset: number, ctx: Context): void {
    const id = this.sites.length / 3;
    const line = lineOf(this.lineStarts, offset);
    this.sites.push(line, offset - this.lineStarts[line - 1]!, ctx.twin);
    const names = bindingsAt(ctx.scope, offset, ctx.fn);
    ctx.inserts.push({ at: offset, text: `if ($lpS[${id}] !== 0) $lp.hit(${id}, ${ctx.self}, {${names.join(', ')}});` });
  }

  private walk(node: AstNode, ctx: Context): void {
    if (isFunction(node)) return this.visitFunction(node, ctx);
    const inner = this.scopes.acquire(node as never, true);
    const here: Context = inner === null || inner === ctx.scope ? ctx : { ...ctx, scope: inner };
    this.ancestors.push(node);
    try {
      this.walkInside(node, here, inner);
    } finally {
      this.ancestors.pop();
    }
  }

  private walkInside(node: AstNode, here: Context, inner: Scope | null): void {
    switch (node.type) {
      case 'BlockStatement':
        return this.list(node.body, here);
      case 'StaticBlock': {
        const scope = inner ?? here.scope;
        return this.list(node.body, { ...here, scope, self: 'this', fn: { scope, node, outer: outerOf(here) }, placement: scope });
      }
      case 'SwitchCase':
        if (node.test !== null) this.walk(node.test, here);
        return this.list(node.consequent, here);
      case 'IfStatement':
        this.walk(node.test, here);
        this.single(node.consequent, here);
        if (node.alternate !== null) this.single(node.alternate, here);
        return;
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
        for (const child of childrenOf(node)) {
          if (child === node.body) this.single(child, here);
          else this.walk(child, here);
        }
        return;
      default:
        for (const child of childrenOf(node)) this.walk(child, here);
    }
  }

  private visitFunction(fn: AstNode, ctx: Context): void {
    const scope = this.scopes.acquire(fn as never, true);
    const position = this.position(fn.start);
    if (scope === null) return;
    if (this.dynamic.has(scope)) {
      this.report.push({ ...position, mode: 'none', reason: 'direct `eval` or `with`' });
      return;
    }
    const parent = this.ancestors.at(-1);
    const grandparent = this.ancestors.at(-2);
    const fnContext: SiteFunction = { scope, node: fn, outer: outerOf(ctx) };
    const inner: Context = { ...ctx, scope, fn: fnContext };
    this.ancestors.push(fn);
    try {
      this.prepareFunction(fn, ctx, inner, scope, fnContext, parent, grandparent, position);
    } finally {
      this.ancestors.pop();
    }
  }

  private prepareFunction(
    fn: AstNode,
    ctx: Context,
    inner: Context,
    scope: Scope,
    fnContext: SiteFunction,
    parent: AstNode | undefined,
    grandparent: AstNode | undefined,
    position: { line: number; column: number },
  ): void {
    if (fn.body.type !== 'BlockStatement') {
      this.report.push({ ...position, mode: 'none', reason: 'expression body' });
      // Block-bodied functions inside it still get prepared.
      for (const child of childrenOf(fn)) this.walk(child, inner);
      return;
    }
    if (ctx.twin >= 0) return; // a twin holds no block-bodied functions (leaf rule)
    let blocker = twinBlocker(fn, parent, grandparent, ctx.fn.node === undefined && this.ancestors.length <= 4, scope);
    if (blocker === undefined && !visibleFrom(scope, ctx.placement)) blocker = 'uses a variable not visible where its twin would go';
    if (blocker === undefined) {
      this.twin(fn, ctx, scope, fnContext, parent);
      this.report.push({ ...position, mode: 'twin' });
      return;
    }
    this.report.push({ ...position, mode: 'inline', reason: blocker });
    const self = fn.type === 'ArrowFunctionExpression' || isDerivedConstructor(parent, this.ancestors) ? 'undefined' : 'this';
    const body: Context = { ...inner, self, twin: -1, placement: scope };
    for (const param of fn.params) this.walk(param, body);
    this.list(fn.body.body, body);
  }

  private twin(fn: AstNode, ctx: Context, scope: Scope, fnContext: SiteFunction, parent: AstNode | undefined): void {
    const id = this.functions++;
    const name = `${nameOf(fn, parent)}$lp${id}`;
    const params = (fn.params as AstNode[]).flatMap((p) => boundNames(p));
    const arrow = fn.type === 'ArrowFunctionExpression';
    const inserts: Insert[] = [];
    const twinContext: Context = {
      ...ctx,
      scope,
      fn: fnContext,
      self: arrow ? 'undefined' : 'this',
      twin: id,
      inserts,
      pending: [],
      placement: scope,
    };
    this.list(fn.body.body, twinContext);
    inserts.sort((a, b) => a.at - b.at);
    const from = fn.body.start + 1;
    const to = fn.body.end - 1;
    const blanks = this.comments.filter((c) => c.end > from && c.start < to).map((c): [number, number] => [c.start, c.end]);
    const body = build(this.source, from, to, inserts, true, blanks, this.lineStarts);
    const head = `;${fn.async ? 'async ' : ''}function ${name}(${params.join(', ')}){`;
    const segments = [0, -1, ...body.segments.map((v, i) => (i % 2 === 0 ? v + head.length : v)), head.length + body.text.length, -1];
    ctx.pending.push({ at: fn.body.end, text: `${head}${body.text}}`, segments });
    // The entry guard goes after the directive prologue, which must stay first.
    const directives = (fn.body.body as AstNode[]).filter(
      (s, i, all) => s.directive !== undefined && all.slice(0, i).every((p) => p.directive !== undefined),
    );
    const last = directives.at(-1);
    const at = last === undefined ? from : last.end;
    const semicolon = last !== undefined && this.source[last.end - 1] !== ';' ? ';' : '';
    const call = arrow && !readsThis(fn) ? `${name}(${params.join(', ')})` : `${name}.call(${['this', ...params].join(', ')})`;
    ctx.inserts.push({ at, text: `${semicolon}if ($lpF[${id}] !== 0) return ${call};` });
  }

  private position(offset: number): { line: number; column: number } {
    const line = lineOf(this.lineStarts, offset);
    return { line, column: offset - this.lineStarts[line - 1]! };
  }
}

function outerOf(ctx: Context): AstNode[] {
  return ctx.fn.node === undefined ? [...ctx.fn.outer] : [ctx.fn.node, ...ctx.fn.outer];
}

function siteable(statement: AstNode): boolean {
  switch (statement.type) {
    case 'FunctionDeclaration':
    case 'EmptyStatement':
    case 'ImportDeclaration':
    case 'ExportAllDeclaration':
      return false;
    case 'ExpressionStatement':
      return statement.directive === undefined;
    case 'ExportNamedDeclaration':
      return statement.declaration != null && statement.declaration.type !== 'FunctionDeclaration';
    case 'ExportDefaultDeclaration':
      return statement.declaration.type !== 'FunctionDeclaration';
    default:
      return true;
  }
}

/** Every outer variable the function references is declared in `placement` or around it. */
function visibleFrom(scope: Scope, placement: Scope): boolean {
  const chain = new Set<Scope>();
  for (let s: Scope | null = placement; s !== null; s = s.upper) chain.add(s);
  return scope.through.every((reference) => reference.resolved === null || chain.has(reference.resolved.scope));
}

function isDerivedConstructor(parent: AstNode | undefined, ancestors: AstNode[]): boolean {
  if (parent?.type !== 'MethodDefinition' || parent.kind !== 'constructor') return false;
  // ancestors end with …, class, ClassBody, MethodDefinition, the function
  const cls = ancestors.at(-4);
  return cls !== undefined && cls.superClass != null;
}

function nameOf(fn: AstNode, parent: AstNode | undefined): string {
  let name: string | undefined = fn.id?.name;
  if (name === undefined && parent !== undefined) {
    if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') name = parent.id.name;
    else if (
      (parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') &&
      parent.key.type === 'Identifier'
    )
      name = parent.key.name;
    else if (parent.type === 'AssignmentExpression' && parent.left.type === 'Identifier') name = parent.left.name;
    else if (
      parent.type === 'AssignmentExpression' &&
      parent.left.type === 'MemberExpression' &&
      parent.left.property.type === 'Identifier'
    )
      name = parent.left.property.name;
  }
  return name !== undefined && /^[A-Za-z_$][\w$]*$/.test(name) ? name : 'anonymous';
}
