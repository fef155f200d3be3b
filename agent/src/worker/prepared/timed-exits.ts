/**
 * Whether prepared sites can time a function exactly as the breakpoint path does
 * (worker/sites.ts: start at its first statement, stop at every return position V8 reports
 * and before every `throw` of its own), and at which positions.
 *
 * A site runs before its statement; V8's return position comes after the returned value is
 * computed, and after any `finally` block or iterator closing on the way out. A `return` that
 * computes nothing (no value, a literal, a variable certainly initialised there) stops the timer
 * at its own site, before it; one that computes its value, at its exit site, which the transform
 * puts after the value (prepare/return-exit.ts: not in a file prepared before TRANSFORM_VERSION
 * 14, or 15 where the value holds a function). A `return` inside `try … finally` stops at the
 * wrapper around its outermost such `try`, once the `finally` blocks ran (TRANSFORM_VERSION 15),
 * and one inside a `for … of` (`for await … of`) body at the wrapper around the loop, once the
 * iterator's `return()` ran (TRANSFORM_VERSION 16): there V8 reports no return position (Node 20
 * to 24), so the breakpoint path never stops for such a call, and prepared sites measure what
 * the user means, until the function gives control back. Falling off the end of a function stops at the site
 * the transform puts before its closing brace, when the body's last statement is no `return` or
 * `throw` (an end that cannot be reached has none, and needs none). An expression-bodied arrow
 * whose body the transform gave an exit site (prepare/arrow-exit.ts) is timed from its body's
 * site to that one. Anything else stays on breakpoints, so a duration histogram means the same
 * whichever path measured it (but for `try … finally` and `for … of`, above). (`using` declarations are disposed of on the way out too, after
 * the exit site ran: not looked for here yet, though acorn parses them and such files are
 * prepared.)
 */
import { isFunction } from '../../locate/ast-node.js';
import { writtenEntry } from '../../locate/prepared-wrappers.js';
import { childrenOf, type AstNode } from '../../prepare/ast.js';
import { ancestorsOf, functionStartsIn, noExitSite, parentIn, statementAround } from '../../prepare/arrow-exit.js';
import {
  BEFORE_RETURN,
  certainlyInitialised,
  constantValue,
  wrapperAround,
  noReturnExit,
  returnExitAt,
  untimedReturn,
  keywordExitAt,
} from '../../prepare/return-exit.js';
import type { FunctionRange } from '../../locate/function-range.js';
import type { AnalysedSource } from '../../locate/source-analysis.js';

/** Offsets in the analysed file. */
export interface TimedExits {
  /** The first statement that runs: its site starts the timer. */
  entry: number;
  /** The exits' sites: before a `return` that computes nothing, at the closing brace, after a returned value. */
  returns: number[];
  /** Those of `returns` after a returned value (or a `try … finally`, a `for … of`), which a file prepared before TRANSFORM_VERSION 14 (15, 16) lacks. */
  afterValue: number[];
  /** An exit site recorded on its `return`'s last line, where a file prepared before TRANSFORM_VERSION 16 has it: one column into the keyword. */
  formerly: Map<number, number>;
  throws: number[];
}

/** Why the function stays on breakpoints; `at` is the offset the reason is about. */
export interface UntimedExit {
  at: number;
  why: string;
}

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
    if (why === undefined) return { entry: node.body.start, returns: [node.body.end], afterValue: [], formerly: new Map(), throws: [] };
    return {
      at: node.start,
      why: `starts an expression-bodied arrow function: ${why}, and its body's site runs before its value is computed`,
    };
  }
  const statements = node.body.body as AstNode[];
  const program = analysed.program as unknown as AstNode;
  const returns: TimedExits['returns'] = [];
  const afterValue: number[] = [];
  const formerly = new Map<number, number>();
  let untimed: UntimedExit | undefined;
  const visit = (n: AstNode, ancestors: AstNode[]): void => {
    if (untimed !== undefined || (n !== node && isFunction(n))) return;
    if (n.type === 'ReturnStatement') {
      const why = untimedReturn(ancestors);
      const around = why === undefined ? wrapperAround(ancestors) : undefined;
      if (why !== undefined) untimed = { at: n.start, why };
      // Its `try`'s or loop's wrapper, once the `finally` blocks or the iterator's closing ran (return-exit.ts).
      else if (around !== undefined) afterValue.push(keywordExitAt(around));
      else if (inert(analysed, node, n)) returns.push(n.start);
      else {
        // Its exit site, after the value (return-exit.ts).
        const none = noReturnExit(n, ancestors, analysed.scopes.scopeAt(n.start));
        if (none === undefined) {
          const exit = returnExitAt(n, analysed.source);
          afterValue.push(exit);
          if (exit !== keywordExitAt(n)) formerly.set(exit, keywordExitAt(n));
        } else untimed = { at: n.start, why: `${none.startsWith('returns') ? '' : 'returns a computed value and '}${none}` };
      }
      return;
    }
    ancestors.push(n);
    for (const child of childrenOf(n)) visit(child, ancestors);
    ancestors.pop();
  };
  visit(node.body, [...ancestorsOf(program, node), node]);
  if (untimed !== undefined) return untimed;
  // Falling off the end: the site before the closing brace (the transform's end site), where V8 returns.
  if (!statements.some(abrupt)) {
    if (statements.length === 0) return { at: node.body.end - 1, why: `ends ${fn.name} with an empty body, which has no prepared site` };
    returns.push(node.body.end - 1);
  }
  returns.push(...new Set(afterValue));
  returns.sort((a, b) => a - b);
  return { entry: writtenEntry(node, fn.entry), returns, afterValue, formerly, throws: fn.throws };
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

/** Computing the returned value does nothing: it cannot run code, throw or take time. */
function inert(analysed: AnalysedSource, fn: AstNode, ret: AstNode): boolean {
  const value = ret.argument as AstNode | null;
  if (value === null || constantValue(value)) return true;
  const scope = value.type === 'Identifier' ? analysed.scopes.scopeAt(value.start) : undefined;
  return scope !== undefined && certainlyInitialised(scope, fn, value, ret.start);
}
