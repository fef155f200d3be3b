/**
 * A copy of a measured function for the breakpoint calibration (main/break-calibration.ts): its
 * parameter names and statements, so V8 re-reads as much source and builds as large a scope at
 * each break as in the app's function, laid out so the tic is at its first line and the toc at
 * its last, as far into the function as a real exit, with the statements between in a block a
 * last parameter `$lp$run` (1 at every call) never enters:
 *
 *     function anonymous(…names, $lp$run
 *     ) {
 *     void 0; if ($lp$run !== 1) {      ← tic, line 3
 *     …the function's statements…
 *     }
 *     return 0;                          ← toc
 *     //# sourceURL=liveprobe:calibration:n
 *     }
 *
 * Defaults and destructuring are left out of the parameters (they would run at the call).
 * Generators (whose body does not run when called) get no copy.
 */
import type { FunctionCopy } from '../bridge.js';
import type { FunctionRange } from '../locate/function-range.js';
import type { AnalysedSource } from '../locate/source-analysis.js';

interface Pattern {
  type: string;
  start: number;
  end: number;
  name?: string;
  left?: Pattern;
  argument?: Pattern;
  elements?: (Pattern | null)[];
  properties?: { type: string; value?: Pattern; argument?: Pattern }[];
}

/** A copy and where its breakpoints go (1-based lines, 0-based columns), under its own URL. */
export interface PlacedCopy {
  copy: FunctionCopy;
  url: string;
  tic: { line: number; column: number };
  toc: { line: number; column: number };
}

let copies = 0;

export function functionCopy(analysed: AnalysedSource, fn: FunctionRange): PlacedCopy | undefined {
  const node = fn.node as unknown as { async: boolean; generator: boolean; params: Pattern[]; body: Pattern };
  if (node.generator) return undefined;
  const { body } = node;
  const text = analysed.source.slice(body.start, body.end);
  // A block's statements, or an arrow's expression as one.
  const statements = body.type === 'BlockStatement' ? text.slice(1, -1) : `(${text});`;
  return placed(node.params.flatMap(boundNames), statements, node.async);
}

/**
 * The agent's own target, for tic-tocs and functions that have no copy: a copy of a small
 * function. Compiled on the main thread like any copy, so it is found whether the agent runs
 * from its bundles, its modules or inside a remote target.
 */
export function ownTargetCopy(): PlacedCopy {
  return placed(['n'], 'const next = n + 1;\nvoid next;', false);
}

function placed(names: string[], statements: string, async: boolean): PlacedCopy {
  const url = `liveprobe:calibration:${++copies}`;
  // Lines as V8 counts them: every line terminator ECMAScript knows.
  const lines = statements.split(/\r\n|[\n\r\u2028\u2029]/).length;
  return {
    copy: {
      params: [...new Set(names), '$lp$run'],
      body: `void 0; if ($lp$run !== 1) {\n${statements}\n}\nreturn 0;\n//# sourceURL=${url}`,
      async,
    },
    url,
    tic: { line: 3, column: 0 },
    toc: { line: 3 + lines + 2, column: 0 },
  };
}

function boundNames(pattern: Pattern | null | undefined): string[] {
  if (pattern === null || pattern === undefined) return [];
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name!];
    case 'AssignmentPattern':
      return boundNames(pattern.left);
    case 'RestElement':
      return boundNames(pattern.argument);
    case 'ArrayPattern':
      return (pattern.elements ?? []).flatMap(boundNames);
    case 'ObjectPattern':
      return (pattern.properties ?? []).flatMap((p) => boundNames(p.type === 'RestElement' ? p.argument : p.value));
    default:
      return [];
  }
}
