/**
 * The prepare transform (install path 2, docs/architecture.md §4): a pure function from a file's
 * source to prepared source, its probe sites and a position map.
 *
 * - A leaf function gets, at entry, `if ($lpF[n] !== 0) {…; return;}` holding its twin: an
 *   instrumented copy of its body, flattened onto the line where the body starts, with a site
 *   before each statement. The twin runs in the same invocation, so scope, strictness, `this`,
 *   `arguments`, async ticks and stack frames are the original's, and it calls nothing.
 * - Every other function (and the file's top level) gets a site guard before each statement.
 * - An expression-bodied arrow's body gets the guard as an expression before it, `x => (guard,
 *   f(x))`: the same value, and no `this`, `arguments` or `new.target` of its own to lose. In a
 *   twinned function both copies of the arrow get one, the twin's under the function's flag and
 *   the original's inline: an arrow made by the original body before an action came (a stored
 *   callback) still runs the original's copy.
 * - Functions with direct `eval`/`with` stay unprepared, and so do a CommonJS file's re-export
 *   getters and loops, which Node reads as written (export-shapes.ts).
 *
 * A site guard is `if ($lpS[n] !== 0) $lpS[n] === 3 ? $lpK[n]++ : new $lpH([n, this, a, () => c])`:
 * the site, its receiver and its bindings' values (their names, `a` and `*c`, are listed once per
 * distinct list in PreparedOutput.siteNames), built only when the flag is on and some action
 * there reads a value; a flag of 3 (COUNT_IN_PLACE: only plain counters, which read no value)
 * adds one to the site's count in shared memory, which the worker reads: no call, no allocation.
 * One argument, so the guard adds at most one register to the
 * function's frame (recursion depth); an outer binding that may
 * still be in its TDZ (`*`) is read through an arrow, which throws there and is reported as not
 * initialised yet. `new` and an array leave V8's inference of anonymous functions' names as it
 * was: a call would drop the last pending function of the enclosing expression from it, and an
 * object literal's keys would name them. Nothing inserted contains a line break, so every line
 * keeps its number.
 */
import { defined, errorMessage } from '@liveprobe/protocol/util';
import type { Comment } from 'acorn';
import { parseWithComments } from './acorn-parse.js';
import { isLeaf } from './child-keys.js';
import { isFunction } from '../locate/ast-node.js';
import { exportShapeOf } from './export-shapes.js';
import { childrenOf, prologueLength, pushChildren, type AstNode } from './ast.js';
import { ARROW_VALUE, isStatement, noExitSite } from './arrow-exit.js';
import {
  FINALLY_RETURNED,
  FINALLY_THREW,
  noReturnExit,
  RETURN_VALUE,
  returnExitAt,
  returnForm,
  keywordExitAt,
  wrapsReturns,
} from './return-exit.js';
import type { FunctionReport, PreparedOutput } from './prepared-output.js';
import { catchClose, catchOpen, exceptionPass, THROW_OPEN, throwClose, unwrappable } from './exception-sites.js';
import { catchBindings, SiteBindings, SiteNameTable, type SiteFunction } from './site-bindings.js';
import { COUNT_IN_PLACE } from './site-flags.js';
import { analyseScopes, type ScopeAnalysis } from '../locate/scope-pass.js';
import type { Scope } from '../locate/scope-model.js';
import { build, LineFinder, lineStartsOf, sortByOffset, type Insert } from './text-builder.js';
import { plainBody, twinBlocker } from './twin-rules.js';

export interface PrepareOptions {
  kind: 'module' | 'commonjs';
  /** Declares `$lp`, `$lpF` and `$lpS` (module scope for CommonJS, an import for ESM); no line breaks. */
  header: string;
  /** A comment put first in the file (after a hashbang): how a file prepared at build time is recognised. No line breaks. */
  banner?: string;
  /** acorn by default; oxc-parser in `liveprobe prepare` where it is faster, and in bench/prepare-speed.bench.ts. */
  parser?: SourceParser;
}

/** Bumped whenever the output for the same input changes: part of the cache key. */
export const TRANSFORM_VERSION = 16;

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
  /** Walking a twinned function's original body: only its `throw` statements get (exception) sites, and its expression-bodied arrows their body's site. */
  throwsOnly?: boolean;
  /** The function's body is inside an exception site's `try`. */
  wrapped?: boolean;
}

export function prepareSource(source: string, options: PrepareOptions): PreparedOutput {
  if (/[\n\r\u2028\u2029]/.test(options.header + (options.banner ?? ''))) throw new PrepareError('the header must stay on one line');
  let parsed: ParsedSource;
  try {
    parsed = (options.parser ?? parseWithAcorn)(source, options.kind);
  } catch (err) {
    throw new PrepareError(`cannot parse: ${errorMessage(err)}`);
  }
  return new Preparer(source, options, analyseScopes(parsed.program, options.kind), parsed.comments).run(parsed.program);
}

/** An ESTree program with `start`/`end` offsets, and its comments in source order. */
export interface ParsedSource {
  program: AstNode;
  comments: Comment[];
}

/** Throws on a syntax error. */
export type SourceParser = (source: string, kind: 'module' | 'commonjs') => ParsedSource;

/** The agent's own parser, the default. */
export function parseWithAcorn(source: string, kind: 'module' | 'commonjs'): ParsedSource {
  const comments: Comment[] = [];
  const program = parseWithComments(
    source,
    {
      ecmaVersion: 'latest',
      sourceType: kind === 'module' ? 'module' : 'script',
      allowHashBang: true,
      allowReturnOutsideFunction: kind === 'commonjs',
    },
    comments,
  ) as unknown as AstNode;
  return { program, comments };
}

class Preparer {
  private readonly sites: number[] = [];
  /** Each site's index in `names` (PreparedOutput.siteNames). */
  private readonly siteNames: number[] = [];
  private readonly names = new SiteNameTable();
  private functions = 0;
  private readonly report: FunctionReport[] = [];
  private readonly lineStarts: number[];
  private readonly lines: LineFinder;
  /** The nodes around the one being walked. */
  private readonly ancestors: AstNode[] = [];
  /** The children of the nodes being walked, innermost last (walkChildren). */
  private readonly children: AstNode[] = [];
  /** Each scope's site bindings, computed for its first site. */
  private readonly bindings = new Map<Scope, SiteBindings>();
  /** Where each function and class starts, ascending (ScopeAnalysis.functionStarts). */
  private readonly functionStarts: Int32Array;

  constructor(
    private readonly source: string,
    private readonly options: PrepareOptions,
    private readonly scopes: ScopeAnalysis,
    private readonly comments: Comment[],
  ) {
    this.lineStarts = lineStartsOf(source);
    this.lines = new LineFinder(this.lineStarts);
    this.functionStarts = scopes.functionStarts();
  }

  run(program: AstNode): PreparedOutput {
    const top = this.scopes.acquire(program);
    if (top === null) throw new PrepareError('no scope for the file');
    if (this.scopes.dynamic.has(top)) throw new PrepareError('direct `eval` or `with` at the top level: left to breakpoints');
    const inserts: Insert[] = [];
    if (this.options.banner !== undefined) inserts.push({ at: this.hashbangEnd(), text: this.options.banner });
    inserts.push({ at: this.headerOffset(program), text: this.headerText(program) });
    const ctx: Context = {
      scope: top,
      fn: { scope: top, node: undefined, outer: [] },
      self: this.options.kind === 'commonjs' ? 'this' : 'undefined',
      twin: -1,
      inserts,
    };
    this.ancestors.push(program);
    this.list(program.body, ctx);
    sortByOffset(inserts);
    const built = build(this.source, 0, this.source.length, inserts, false, [], this.lines);
    let sourceMappingURL: string | undefined;
    for (const comment of this.comments) {
      // Most comments name no map: a native search rules them out before the pattern (a new object per evaluation of its literal) runs.
      if (comment.value.includes('sourceMappingURL=')) sourceMappingURL = MAP_URL.exec(comment.value)?.[1] ?? sourceMappingURL;
    }
    return {
      code: built.parts.join(''),
      sites: this.sites,
      functions: this.functions,
      siteNames: { names: this.names.names, lists: this.names.lists, bySite: this.siteNames },
      map: built.lines,
      functionsReport: this.report,
      ...defined({ sourceMappingURL }),
    };
  }

  /** After a hashbang line and (CommonJS) after the directive prologue, so `'use strict'` keeps working. */
  private headerOffset(program: AstNode): number {
    let at = this.hashbangEnd();
    if (this.options.kind === 'commonjs') {
      const prologue = prologueLength(program.body);
      if (prologue > 0) at = (program.body[prologue - 1] as AstNode).end;
    }
    return at;
  }

  private hashbangEnd(): number {
    if (!this.source.startsWith('#!')) return 0;
    const end = this.source.search(/[\n\r\u2028\u2029]/);
    return end === -1 ? this.source.length : (this.lineStarts[1] ?? this.source.length);
  }

  private headerText(program: AstNode): string {
    const directives = (program.body as AstNode[]).filter((s) => s.directive !== undefined);
    const last = directives.at(-1);
    const needsSemicolon = this.options.kind === 'commonjs' && last !== undefined && this.source[last.end - 1] !== ';';
    return `${needsSemicolon ? ';' : ''}${this.options.header}`;
  }

  private list(statements: AstNode[], ctx: Context): void {
    for (const statement of statements) {
      if (siteable(statement) && ctx.throwsOnly !== true) this.site(statement.start, ctx);
      this.walk(statement, ctx);
      // A flattened twin loses the line breaks automatic semicolon insertion relied on.
      if (ctx.twin >= 0 && this.source[statement.end - 1] !== ';') ctx.inserts.push({ at: statement.end, text: ';' });
    }
  }

  /** A statement body that is not a block (`if (x) y()`): braces around it give it a site. */
  private single(body: AstNode, ctx: Context): void {
    if (
      body.type === 'BlockStatement' ||
      body.type === 'FunctionDeclaration' ||
      body.type === 'EmptyStatement' ||
      ctx.throwsOnly === true
    ) {
      this.walk(body, ctx);
      return;
    }
    ctx.inserts.push({ at: body.start, text: '{' });
    this.site(body.start, ctx);
    this.walk(body, ctx);
    ctx.inserts.push({ at: body.end, text: ctx.twin >= 0 && this.source[body.end - 1] !== ';' ? ';}' : '}' });
  }

  private site(offset: number, ctx: Context): void {
    ctx.inserts.push({ at: offset, ...this.guard(offset, ctx, ctx.twin) });
  }

  /**
   * A site guard's text, as pieces copied once into the output: a string concatenated per site
   * would be a chain of pieces (one object each) that lives until the output is joined.
   */
  private guard(offset: number, ctx: Context, fn: number, before = ''): { text: string[]; size: number } {
    const { at, self, values } = this.newSite(offset, ctx, fn);
    const text = [before, SITE_OPEN, at, SITE_FLAG, at, SITE_COUNTER, at, SITE_HIT, at, self, values, SITE_CLOSE];
    return { text, size: before.length + SITE_FIXED + 4 * at.length + self.length + values.length };
  }

  /**
   * A site before a function's closing brace, when its last statement is no `return` or `throw`:
   * it runs when the body falls off its end, where V8's return position at `}` is, so an action on
   * that line (a `}` or `});` of its own) and a duration's exit there stay on prepared sites.
   */
  private endSite(fn: AstNode, ctx: Context): void {
    if (!fallsOffEnd(fn)) return;
    ctx.inserts.push({ at: fn.body.end - 1, ...this.guard(fn.body.end - 1, ctx, ctx.twin, ';') });
  }

  /**
   * An expression-bodied arrow's site: `(guard, ` before its body and `)` after it. In a twin, the
   * site turns the twin on like its others: an agent that knows one site a line (before arrow18)
   * takes the twin's copy, which then runs.
   */
  private bodySite(body: AstNode, ctx: Context): void {
    const { at, self, values } = this.newSite(body.start, ctx, ctx.twin);
    const text = [BODY_OPEN, at, BODY_FLAG, at, SITE_COUNTER, at, SITE_HIT, at, self, values, BODY_CLOSE];
    ctx.inserts.push({ at: body.start, text, size: BODY_FIXED + 4 * at.length + self.length + values.length });
    this.walk(body, ctx);
    ctx.inserts.push({ at: body.end, text: ')' });
  }

  /**
   * An expression-bodied arrow whose value takes time (arrow-exit.ts): its body becomes a block,
   * `{guard const $lpV = <body>; exit guard return $lpV;}`, with a site at the body's start and
   * one at its end, which runs once the value is computed (after an `await` in it), where V8's
   * return position is: a duration times it on these sites as a breakpoint times it.
   */
  private timedBodySites(body: AstNode, ctx: Context): void {
    const entry = this.guard(body.start, ctx, ctx.twin, '{');
    ctx.inserts.push({ at: body.start, text: [...entry.text, VALUE_OPEN], size: entry.size + VALUE_OPEN.length });
    this.walk(body, ctx);
    const exit = this.guard(body.end, ctx, ctx.twin, '; ');
    ctx.inserts.push({ at: body.end, text: [...exit.text, VALUE_CLOSE], size: exit.size + VALUE_CLOSE.length });
  }

  /**
   * A `return` of a computed value (return-exit.ts): `{let $lpR; return ($lpR = (<value>),
   * ($lpS[n] !== 0 && new $lpH([n, this, …]), $lpR));}`, whose site runs once the value is
   * computed, where V8's return position is: a duration times the function on sites as a
   * breakpoint times it. Only a duration's exit takes that site (a line's actions take the
   * statement's own), never a plain counter, so its guard has no count in place: every byte of
   * bytecode counts against what TurboFan inlines into a caller. A value holding a function (or
   * in a function after another in its expression) is kept in an array instead, `return
   * [<value>, (guard)][0]`, which takes no part in V8's names; a `return` inside a `try … finally`
   * only counts itself for the wrapper around its `try` (finallyWrapper), `return [<value>,
   * ++$lpY][0]`. False when it gets none.
   */
  private returnExit(ret: AstNode, ctx: Context): boolean {
    if (noReturnExit(ret, this.ancestors, ctx.scope) !== undefined) return false;
    const value = ret.argument as AstNode | null;
    const form = returnForm(ret, this.ancestors, (from, to) => this.startsIn(from, to));
    if (form === 'assigned') {
      const v = value!;
      ctx.inserts.push({ at: ret.start, text: RETURN_OPEN });
      ctx.inserts.push({ at: v.start, text: RETURN_VALUE_OPEN });
      const { at, self, values } = this.newSite(returnExitAt(ret, this.source), ctx, ctx.twin);
      const text = [RETURN_EXIT_OPEN, at, RETURN_EXIT_HIT, at, self, values, RETURN_EXIT_CLOSE];
      ctx.inserts.push({ at: v.end, text, size: RETURN_EXIT_FIXED + 2 * at.length + self.length + values.length });
      ctx.inserts.push({ at: ret.end, text: '}' });
      return true;
    }
    if (value === null) {
      ctx.inserts.push({ at: ret.start, text: `{${FINALLY_COUNT}; ` });
      ctx.inserts.push({ at: ret.end, text: '}' });
      return true;
    }
    // No `$lpR = `: an assignment names the functions of the expression around it, even outside its own value.
    const sequence = value.type === 'SequenceExpression';
    ctx.inserts.push({ at: value.start, text: sequence ? '[(' : '[' });
    this.ancestors.push(ret);
    try {
      this.walk(value, ctx);
    } finally {
      this.ancestors.pop();
    }
    if (form === 'finally') ctx.inserts.push({ at: value.end, text: `${sequence ? '), ' : ', '}${FINALLY_COUNT}][0]` });
    else {
      const open = sequence ? RETURN_EXIT_OPEN : LISTED_EXIT_OPEN;
      const { at, self, values } = this.newSite(returnExitAt(ret, this.source), ctx, ctx.twin);
      const text = [open, at, RETURN_EXIT_HIT, at, self, values, LISTED_EXIT_CLOSE];
      ctx.inserts.push({ at: value.end, text, size: open.length + LISTED_EXIT_FIXED + 2 * at.length + self.length + values.length });
    }
    return true;
  }

  /**
   * The wrapper that times the returns inside a `try … finally` or a `for … of` body
   * (return-exit.ts, wrapperAround) once its `finally` blocks or its iterator's closing ran, when
   * the function gives control back: `{let $lpY, $lpQ; try
   * {<try>} catch ($lpE) {++$lpQ; throw $lpE;} finally {$lpY !== void 0 && $lpQ === void 0 &&
   * ($lpS[n] !== 0 && new $lpH([n, this, …]));}}`. Each `return` inside counts itself in `$lpY`
   * after its value; an exception leaving (a `finally` that throws after a `return`, timed at its
   * own `throw`'s site if any) counts in `$lpQ` and stops nothing. The rethrow keeps the value,
   * its stack and what a `catch` around sees. Declared without a value and counted with `++`:
   * `$lpY = 0` would name the functions of an expression around the function (V8's inference).
   * A loop's labels stay on it, outside the wrapper: `continue label` must name a loop around it.
   */
  private finallyWrapper(node: AstNode, ctx: Context): void {
    let from = this.ancestors.length - 2;
    while (node.type === 'ForOfStatement' && this.ancestors[from]?.type === 'LabeledStatement') from--;
    ctx.inserts.push({ at: this.ancestors[from + 1]!.start, text: FINALLY_OPEN });
    this.walkChildren(node, ctx, node.type === 'ForOfStatement' ? node.body : undefined);
    const { at, self, values } = this.newSite(keywordExitAt(node), ctx, ctx.twin);
    const text = [FINALLY_CLOSE, at, RETURN_EXIT_HIT, at, self, values, FINALLY_END];
    ctx.inserts.push({
      at: node.end,
      text,
      size: FINALLY_CLOSE.length + RETURN_EXIT_HIT.length + FINALLY_END.length + 2 * at.length + self.length + values.length,
    });
  }

  /** Records a site at `offset`: its number, what it passes as `this`, and its bindings' values. */
  private newSite(offset: number, ctx: Context, fn: number): { at: string; self: string; values: string } {
    const id = this.sites.length / 3;
    const line = this.lines.lineOf(offset);
    this.sites.push(line, offset - this.lineStarts[line - 1]!, fn);
    const pass = this.bindingsIn(ctx).passAt(offset, this.names);
    this.siteNames.push(pass.list);
    return { at: `${id}`, self: ctx.self === 'this' ? SITE_THIS : SITE_VOID, values: pass.values };
  }

  private bindingsIn(ctx: Context): SiteBindings {
    // A scope that declares nothing (most blocks) gives its sites what the scope around it gives
    // them: the same names in the same order, cut at the same MAX_SITE_BINDINGS (site-bindings.ts).
    let scope = ctx.scope;
    while (scope !== ctx.fn.scope && scope.variables.length === 0 && scope.upper !== null) scope = scope.upper;
    let bindings = this.bindings.get(scope);
    if (bindings?.fn !== ctx.fn) {
      bindings = new SiteBindings(scope, ctx.fn);
      this.bindings.set(scope, bindings);
    }
    return bindings;
  }

  /** `throw E` → `throw new $lpW((E), …)`: the same value, from the same position (exception-sites.ts). */
  private throwSite(node: AstNode, ctx: Context): void {
    const argument = node.argument as AstNode;
    // A minifier writes `throw(a,b)`, `throw"x"`, `throw{…}`: the keyword then needs a space before `new`.
    const glued = /[\w$]/.test(this.source[argument.start - 1] ?? '');
    ctx.inserts.push({ at: argument.start, text: glued ? ` ${THROW_OPEN}` : THROW_OPEN });
    this.walk(argument, ctx);
    const bindings = this.bindingsIn(ctx);
    const fields = { kinds: bindings.kindsAt(node.start), fields: bindings.fieldsAt(node.start) };
    const pass = exceptionPass(this.lines.lineOf(node.start), ctx.self, fields, ctx.wrapped === true);
    ctx.inserts.push({ at: argument.end, text: throwClose(pass) });
  }

  private walk(node: AstNode, ctx: Context): void {
    // A twin's original body holds no block-bodied function (leaf rule), and its arrows no `throw`.
    if (isFunction(node)) return ctx.throwsOnly === true && node.body.type === 'BlockStatement' ? undefined : this.visitFunction(node, ctx);
    // A twinned function's original body has none: the twin, which an action turns on, has them.
    if (node.type === 'ReturnStatement' && ctx.throwsOnly !== true && this.returnExit(node, ctx)) return;
    if (isLeaf(node) || (NO_STATEMENTS.has(node.type) && !this.holdsFunction(node))) return;
    const inner = SCOPED.has(node.type) || this.ancestors.at(-1)?.type === 'PropertyDefinition' ? this.scopes.acquire(node) : null;
    const here: Context = inner === null || inner === ctx.scope ? ctx : { ...ctx, scope: inner };
    this.ancestors.push(node);
    try {
      this.walkInside(node, here, inner);
    } finally {
      this.ancestors.pop();
    }
  }

  /** Where the innermost statement around the node being walked starts (none in a class field, say). */
  private statementStart(): number | undefined {
    for (let i = this.ancestors.length - 1; i > 0; i--) if (isStatement(this.ancestors[i]!)) return this.ancestors[i]!.start;
    return undefined;
  }

  /** Whether a function or a class starts inside `node`. */
  private holdsFunction(node: AstNode): boolean {
    return this.startsIn(node.start, node.end);
  }

  /** Whether a function or a class starts in `[from, to)` (binary search). */
  private startsIn(from: number, to: number): boolean {
    const starts = this.functionStarts;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (starts[middle]! < from) low = middle + 1;
      else high = middle;
    }
    return low < starts.length && starts[low]! < to;
  }

  private walkInside(node: AstNode, here: Context, inner: Scope | null): void {
    switch (node.type) {
      case 'BlockStatement':
        return this.list(node.body, here);
      case 'StaticBlock': {
        const scope = inner ?? here.scope;
        return this.list(node.body, { ...here, scope, self: 'this', fn: { scope, node, outer: outerOf(here) } });
      }
      case 'ThrowStatement':
        return this.throwSite(node, here);
      case 'TryStatement':
        if (here.throwsOnly !== true && wrapsReturns(node, this.ancestors.slice(0, -1))) return this.finallyWrapper(node, here);
        return this.walkChildren(node, here);
      case 'SwitchCase':
        if (node.test !== null) this.walk(node.test, here);
        return this.list(node.consequent, here);
      case 'IfStatement':
        this.walk(node.test, here);
        this.single(node.consequent, here);
        if (node.alternate !== null) this.single(node.alternate, here);
        return;
      case 'ForOfStatement':
        if (here.throwsOnly !== true && wrapsReturns(node, this.ancestors.slice(0, -1))) return this.finallyWrapper(node, here);
        return this.walkChildren(node, here, node.body);
      case 'ForStatement':
      case 'ForInStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
        return this.walkChildren(node, here, node.body);
      default:
        return this.walkChildren(node, here);
    }
  }

  /** Walks `node`'s children in source order (`single` for `body`), listed on one shared stack instead of an array each. */
  private walkChildren(node: AstNode, ctx: Context, body?: AstNode): void {
    const stack = this.children;
    const base = stack.length;
    pushChildren(node, stack);
    const end = stack.length;
    // Walks nested here push above `end` and truncate back to it.
    for (let i = base; i < end; i++) {
      const child = stack[i]!;
      if (child === body) this.single(child, ctx);
      else this.walk(child, ctx);
    }
    stack.length = base;
  }

  private visitFunction(fn: AstNode, ctx: Context): void {
    const scope = this.scopes.acquire(fn);
    const position = this.position(fn.start);
    if (scope === null) return;
    if (this.scopes.dynamic.has(scope)) {
      this.report.push({ ...position, mode: 'none', reason: 'direct `eval` or `with`' });
      return;
    }
    const asWritten = this.options.kind === 'commonjs' ? exportShapeOf(fn, this.ancestors) : undefined;
    if (asWritten !== undefined) {
      this.reportAsWritten(fn, asWritten);
      return;
    }
    const parent = this.ancestors.at(-1);
    const grandparent = this.ancestors.at(-2);
    const fnContext: SiteFunction = { scope, node: fn, outer: outerOf(ctx) };
    const inner: Context = { ...ctx, scope, fn: fnContext, wrapped: false };
    this.ancestors.push(fn);
    try {
      this.prepareFunction(fn, ctx, inner, parent, grandparent, position);
    } finally {
      this.ancestors.pop();
    }
  }

  /** Reports `node`'s functions, itself first, in source order (a re-export loop and its getter) as left as written. */
  private reportAsWritten(node: AstNode, reason: string): void {
    if (isFunction(node)) this.report.push({ ...this.position(node.start), mode: 'none', reason });
    for (const child of childrenOf(node)) this.reportAsWritten(child, reason);
  }

  private prepareFunction(
    fn: AstNode,
    ctx: Context,
    inner: Context,
    parent: AstNode | undefined,
    grandparent: AstNode | undefined,
    position: { line: number; column: number },
  ): void {
    if (fn.body.type !== 'BlockStatement') {
      // Inside a twinned function (either copy), the function is reported as twinned.
      if (ctx.twin < 0 && ctx.throwsOnly !== true) this.report.push({ ...position, mode: 'inline', reason: 'expression body' });
      const body: Context = { ...inner, self: 'undefined' };
      for (const param of fn.params) this.walk(param, body);
      const place = {
        parent: this.ancestors.at(-2),
        statementStart: this.statementStart(),
        functionStartsIn: (from: number, to: number) => this.startsIn(from, to),
      };
      if (noExitSite(this.source, fn, place) === undefined) this.timedBodySites(fn.body, body);
      else this.bodySite(fn.body, body);
      return;
    }
    // A twin holds no block-bodied functions (leaf rule).
    if (ctx.twin >= 0) return;
    const self = fn.type === 'ArrowFunctionExpression' || isDerivedConstructor(parent, this.ancestors) ? 'undefined' : 'this';
    const block = fn.body as AstNode;
    const plain = !this.startsIn(block.start, block.end) && plainBody(this.source, block.start, block.end);
    const { blocker, throws, arrows } = twinBlocker(
      fn,
      parent,
      grandparent,
      ctx.fn.node === undefined && this.ancestors.length <= 4,
      plain,
    );
    if (fn.params.length > 0) {
      const inParams: Context = { ...inner, self, twin: -1 };
      for (const param of fn.params) this.walk(param, inParams);
    }
    const statements = fn.body.body as AstNode[];
    const prologue = prologueLength(statements);
    const last = prologue === 0 ? undefined : statements[prologue - 1]!;
    const wrapped = unwrappable(fn) === undefined;
    // Pushed before the twin's guard, which goes at the same offset: the `try` holds it.
    if (wrapped)
      inner.inserts.push({
        at: last === undefined ? fn.body.start + 1 : last.end,
        text: catchOpen(last !== undefined && this.source[last.end - 1] !== ';'),
      });
    if (blocker === undefined) {
      this.twin(fn, { ...inner, self, wrapped });
      // The original body keeps only its exception sites and its arrows' sites: none to find without either.
      if (throws || arrows) this.list(statements.slice(prologue), { ...inner, self, twin: -1, throwsOnly: true, wrapped });
      this.report.push({ ...position, mode: 'twin' });
    } else {
      this.report.push({ ...position, mode: 'inline', reason: blocker });
      const body: Context = { ...inner, self, twin: -1, wrapped };
      this.list(statements, body);
      // Before the exception wrapper's `catch`, which goes at the same offset: inside its `try`.
      this.endSite(fn, body);
    }
    if (wrapped) inner.inserts.push({ at: fn.body.end - 1, text: catchClose(exceptionPass(position.line, self, catchBindings(inner.fn))) });
  }

  /**
   * `if ($lpF[n] !== 0) {<twin> return;}` after the directive prologue. The twin is the body
   * copied with a site before each statement; its `let`s and `const`s live in the guard's block,
   * its `var`s are the function's own, and reaching its end returns as the original would.
   */
  private twin(fn: AstNode, inner: Context): void {
    const id = this.functions++;
    const statements = fn.body.body as AstNode[];
    const prologue = prologueLength(statements);
    const last = prologue === 0 ? undefined : statements[prologue - 1]!;
    const at = last === undefined ? fn.body.start + 1 : last.end;
    const to = fn.body.end - 1;
    const inserts: Insert[] = [];
    this.list(prologue === 0 ? statements : statements.slice(prologue), { ...inner, twin: id, inserts });
    sortByOffset(inserts);
    const blanks = this.commentsWithin(at, to);
    const head = `${last !== undefined && this.source[last.end - 1] !== ';' ? ';' : ''}if ($lpF[${id}] !== 0) {`;
    // The twin's end site stands for the closing brace, as the closing `return;` does.
    const end = fallsOffEnd(fn) ? this.guard(to, { ...inner, twin: id }, id) : { text: [], size: 0 };
    const tail = 'return;}';
    const pieces = [head];
    // The guard stands for the body's first statement; the closing `return;` for the closing brace.
    const segments = [0, statements[prologue]?.start ?? to];
    const body = build(this.source, at, to, inserts, true, blanks, this.lines, pieces, segments, head.length);
    pieces.push(...end.text, tail);
    segments.push(head.length + body.length, to);
    inner.inserts.push({ at, text: pieces, size: head.length + body.length + end.size + tail.length, segments });
  }

  /**
   * The comments overlapping `[from, to)`, found by binary search: acorn reports them in source
   * order, and scanning them all for every twin made large files quadratic.
   */
  private commentsWithin(from: number, to: number): [number, number][] {
    const { comments } = this;
    let low = 0;
    let high = comments.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comments[middle]!.end > from) high = middle;
      else low = middle + 1;
    }
    const out: [number, number][] = [];
    for (let i = low; i < comments.length && comments[i]!.start < to; i++) out.push([comments[i]!.start, comments[i]!.end]);
    return out;
  }

  private position(offset: number): { line: number; column: number } {
    const line = this.lines.lineOf(offset);
    return { line, column: offset - this.lineStarts[line - 1]! };
  }
}

/** A comment naming the input's source map: `//# sourceMappingURL=<url>`. */
const MAP_URL = /^[#@] sourceMappingURL=(\S+)\s*$/;

/** A site guard, `if ($lpS[n] !== 0) $lpS[n] === 3 ? $lpK[n]++ : new $lpH([n, this, …values]);`, in the pieces around `n`. */
const SITE_OPEN = 'if ($lpS[';
const SITE_FLAG = '] !== 0) $lpS[';
const SITE_COUNTER = `] === ${COUNT_IN_PLACE} ? $lpK[`;
const SITE_HIT = ']++ : new $lpH([';
const SITE_THIS = ', this';
const SITE_VOID = ', void 0';
const SITE_CLOSE = ']);';
const SITE_FIXED = SITE_OPEN.length + SITE_FLAG.length + SITE_COUNTER.length + SITE_HIT.length + SITE_CLOSE.length;
/** An arrow body's guard, `($lpS[n] !== 0 && ($lpS[n] === 3 ? $lpK[n]++ : new $lpH([n, void 0, …])), `, closed by `)` after the body. */
const BODY_OPEN = '($lpS[';
const BODY_FLAG = '] !== 0 && ($lpS[';
const BODY_CLOSE = '])), ';
const BODY_FIXED = BODY_OPEN.length + BODY_FLAG.length + SITE_COUNTER.length + SITE_HIT.length + BODY_CLOSE.length;

/** Around a timed `return`'s value (returnExit): `{let $lpR; `, `($lpR = (`, the value, `), ($lpS[n] !== 0 && new $lpH([n, this, …]), $lpR))`, `}`. */
const RETURN_OPEN = `{let ${RETURN_VALUE}; `;
const RETURN_VALUE_OPEN = `(${RETURN_VALUE} = (`;
const RETURN_EXIT_OPEN = '), ($lpS[';
const RETURN_EXIT_HIT = '] !== 0 && new $lpH([';
const RETURN_EXIT_CLOSE = `]), ${RETURN_VALUE}))`;
const RETURN_EXIT_FIXED = RETURN_EXIT_OPEN.length + RETURN_EXIT_HIT.length + RETURN_EXIT_CLOSE.length;
/** After a listed `return`'s value and its exit guard: `[<value>, ($lpS[n] !== 0 && new $lpH([n, this, …]))][0]`. */
const LISTED_EXIT_OPEN = ', ($lpS[';
const LISTED_EXIT_CLOSE = ']))][0]';
const LISTED_EXIT_FIXED = RETURN_EXIT_HIT.length + LISTED_EXIT_CLOSE.length;
/** A `return` inside a wrapped `try … finally` counts itself (finallyWrapper). */
const FINALLY_COUNT = `++${FINALLY_RETURNED}`;
const FINALLY_OPEN = `{let ${FINALLY_RETURNED}, ${FINALLY_THREW}; try {`;
const FINALLY_CLOSE = `} catch ($lpE) {++${FINALLY_THREW}; throw $lpE;} finally {${FINALLY_RETURNED} !== void 0 && ${FINALLY_THREW} === void 0 && ($lpS[`;
const FINALLY_END = ']));}}';

/** Around a timed arrow body (timedBodySites): the local that keeps its value, and the return of it after the exit's guard. */
const VALUE_OPEN = ` const ${ARROW_VALUE} = `;
const VALUE_CLOSE = ` return ${ARROW_VALUE};}`;

function outerOf(ctx: Context): AstNode[] {
  return ctx.fn.node === undefined ? [...ctx.fn.outer] : [ctx.fn.node, ...ctx.fn.outer];
}

/**
 * The node types that open a scope of their own (scope-pass.ts); a class field's value has one too.
 * Elsewhere `acquire` is a lookup that always misses, for most of a file's nodes.
 */
const SCOPED = new Set([
  'BlockStatement',
  'ForStatement',
  'ForInStatement',
  'ForOfStatement',
  'SwitchStatement',
  'CatchClause',
  'WithStatement',
  'ClassDeclaration',
  'ClassExpression',
  'StaticBlock',
]);

/**
 * Node types that hold expressions only: a statement, a site or a scope inside one is inside a
 * function or a class, so without one of those inside, the walk has nothing to do there (most
 * of a file's nodes).
 */
const NO_STATEMENTS = new Set([
  'ExpressionStatement',
  'ReturnStatement',
  'VariableDeclaration',
  'VariableDeclarator',
  'MemberExpression',
  'CallExpression',
  'NewExpression',
  'ChainExpression',
  'ParenthesizedExpression',
  'Property',
  'AssignmentExpression',
  'AssignmentPattern',
  'BinaryExpression',
  'LogicalExpression',
  'UnaryExpression',
  'UpdateExpression',
  'AwaitExpression',
  'YieldExpression',
  'SpreadElement',
  'RestElement',
  'ObjectExpression',
  'ObjectPattern',
  'ArrayExpression',
  'ArrayPattern',
  'ConditionalExpression',
  'SequenceExpression',
  'TemplateLiteral',
  'TaggedTemplateExpression',
  'ImportExpression',
]);

/** Whether the function's body may run to its closing brace: its last statement is no `return` or `throw` (none: an empty body, left without a site). */
function fallsOffEnd(fn: AstNode): boolean {
  const statements = fn.body.body as AstNode[];
  const last = statements.at(-1);
  return last !== undefined && last.directive === undefined && last.type !== 'ReturnStatement' && last.type !== 'ThrowStatement';
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

function isDerivedConstructor(parent: AstNode | undefined, ancestors: AstNode[]): boolean {
  if (parent?.type !== 'MethodDefinition' || parent.kind !== 'constructor') return false;
  // ancestors end with …, class, ClassBody, MethodDefinition, the function
  const cls = ancestors.at(-4);
  return cls !== undefined && cls.superClass != null;
}
