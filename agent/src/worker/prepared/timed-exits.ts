/**
 * Whether prepared sites can time a function exactly as the breakpoint path does
 * (worker/sites.ts: start at its first statement, stop at every return position V8 reports
 * and before every `throw` of its own), and at which positions.
 *
 * A site runs before its statement; V8's return position comes after the returned value is
 * computed, and after any `finally` block or iterator closing on the way out. A site before
 * `return` stops the timer at the same instant only when computing the value does nothing: no
 * value, a literal, or a variable certainly initialised there. Falling off the end of a
 * function stops at the site the transform puts before its closing brace, when the body's last
 * statement is no `return` or `throw` (an end that cannot be reached has none, and needs none). An expression-bodied arrow whose body the transform gave an exit
 * site (prepare/arrow-exit.ts) is timed from its body's site to that one. Anything else stays on breakpoints, so a duration histogram
 * means the same whichever path measured it. (`using` declarations are disposed of on the way
 * out too, after the site before `return` ran: not looked for here yet, though acorn parses them
 * and such files are prepared.)
 */
import { isFunction } from '../../locate/ast-node.js';
import { writtenEntry } from '../../locate/prepared-wrappers.js';
import { childrenOf, type AstNode } from '../../prepare/ast.js';
import { functionStartsIn, noExitSite, parentIn, statementAround } from '../../prepare/arrow-exit.js';
import { initialisedAt } from '../../prepare/site-bindings.js';
import type { FunctionRange } from '../../locate/function-range.js';
import { resolveAt } from '../../locate/scope-model.js';
import type { AnalysedSource } from '../../locate/source-analysis.js';

/** Offsets in the analysed file. */
export interface TimedExits {
  /** The first statement that runs: its site starts the timer. */
  entry: number;
  /** The `return` statements, where their sites are. */
  returns: number[];
  throws: number[];
}

/** Why the function stays on breakpoints; `at` is the offset the reason is about. */
export interface UntimedExit {
  at: number;
  why: string;
}

const BEFORE_RETURN = 'a site before the `return` would not time';

/** Globals that cannot be redefined: reading one does nothing. */
const CONSTANT_GLOBALS = new Set(['undefined', 'NaN', 'Infinity']);

export function timedExits(analysed: AnalysedSource, fn: FunctionRange): TimedExits | UntimedExit {
  const node = fn.node as unknown as AstNode;
  if (node.async === true && node.generator === true)
    return { at: node.start, why: `starts an async generator, whose \`return\` awaits its value, which ${BEFORE_RETURN}` };
  if (node.body.type !== 'BlockStatement') {
    // Its exit site runs once the body's value is computed, at V8's return position; no `throw` in an expression.
    const program = analysed.program as unknown as AstNode;
    const place = {
      parent: parentIn(program, node),
      statementStart: statementAround(program, node.start)?.start,
      functionStartsIn: (from: number, to: number) => functionStartsIn(program, from, to),
    };
    const why = noExitSite(analysed.source, node, place);
    if (why === undefined) return { entry: node.body.start, returns: [node.body.end], throws: [] };
    return {
      at: node.start,
      why: `starts an expression-bodied arrow function: ${why}, and its body's site runs before its value is computed`,
    };
  }
  const statements = node.body.body as AstNode[];
  const returns: TimedExits['returns'] = [];
  let untimed: UntimedExit | undefined;
  const visit = (n: AstNode, ancestors: AstNode[]): void => {
    if (untimed !== undefined || (n !== node && isFunction(n))) return;
    if (n.type === 'ReturnStatement') {
      const why =
        untimedReturn(n, ancestors) ?? (inert(analysed, node, n) ? undefined : `returns a computed value, which ${BEFORE_RETURN}`);
      if (why === undefined) returns.push(n.start);
      else untimed = { at: n.start, why };
      return;
    }
    ancestors.push(n);
    for (const child of childrenOf(n)) visit(child, ancestors);
    ancestors.pop();
  };
  visit(node.body, []);
  if (untimed !== undefined) return untimed;
  // Falling off the end: the site before the closing brace (the transform's end site), where V8 returns.
  if (!statements.some(abrupt)) {
    if (statements.length === 0) return { at: node.body.end - 1, why: `ends ${fn.name} with an empty body, which has no prepared site` };
    returns.push(node.body.end - 1);
  }
  return { entry: writtenEntry(node, fn.entry), returns, throws: fn.throws };
}

/** Never completes normally, so nothing after it runs: a `return` or `throw` on every path through it. */
function abrupt(statement: AstNode): boolean {
  switch (statement.type) {
    case 'ReturnStatement':
    case 'ThrowStatement':
      return true;
    case 'BlockStatement':
      return (statement.body as AstNode[]).some(abrupt);
    case 'IfStatement':
      return statement.alternate !== null && abrupt(statement.consequent) && abrupt(statement.alternate);
    case 'TryStatement':
      return (
        (statement.finalizer !== null && abrupt(statement.finalizer)) ||
        (abrupt(statement.block) && (statement.handler === null || abrupt(statement.handler.body)))
      );
    default:
      // Loops, labels and `switch` can be left by `break`: assume they complete.
      return false;
  }
}

/** Work that runs between computing the returned value and leaving the function. */
function untimedReturn(ret: AstNode, ancestors: AstNode[]): string | undefined {
  for (const [i, ancestor] of ancestors.entries()) {
    const child = ancestors[i + 1] ?? ret;
    if (ancestor.type === 'TryStatement' && ancestor.finalizer !== null && child !== ancestor.finalizer)
      return `returns inside \`try … finally\`, whose \`finally\` block ${BEFORE_RETURN}`;
    if (ancestor.type === 'ForOfStatement' && child === ancestor.body)
      return `returns inside \`for … of\`, whose iterator closing ${BEFORE_RETURN}`;
  }
  return undefined;
}

/** Computing the returned value does nothing: it cannot run code, throw or take time. */
function inert(analysed: AnalysedSource, fn: AstNode, ret: AstNode): boolean {
  const value = ret.argument as AstNode | null;
  if (value === null) return true;
  switch (value.type) {
    case 'Literal':
      return true;
    case 'TemplateLiteral':
      return value.expressions.length === 0;
    case 'UnaryExpression':
      return value.operator !== 'delete' && value.argument.type === 'Literal';
    case 'Identifier':
      return initialisedVariable(analysed, fn, value, ret.start);
    default:
      return false;
  }
}

/** Reading the identifier cannot throw (TDZ) or run a getter. */
function initialisedVariable(analysed: AnalysedSource, fn: AstNode, identifier: AstNode, offset: number): boolean {
  const scope = analysed.scopes.scopeAt(identifier.start);
  if (scope === undefined) return false;
  const variable = resolveAt(scope, identifier.name, identifier.start);
  if (variable === null) return CONSTANT_GLOBALS.has(identifier.name);
  const def = variable.def;
  if (def === undefined) return false;
  const block = variable.scope.block;
  if (block.start >= fn.start && block.end <= fn.end) return initialisedAt(def, variable.scope.type, offset);
  // An outer `let`, `const` or class may still be uninitialised when the function runs (a hoisted caller).
  return (
    def.type === 'Parameter' || def.type === 'FunctionName' || def.type === 'CatchClause' || (def.type === 'Variable' && def.kind === 'var')
  );
}
