/**
 * Which names of an expression are bound by the probed file and which fall through to the
 * global object. A breakpoint condition reads a bound name directly; a global one it asks the
 * hook for, which reads the global object's property without running a getter (the direct
 * read would run one, since V8 looks a global name up as a property).
 */
import { innermostScope } from './scope-plan.js';
import type { AnalysedSource } from './source-analysis.js';

/** What Node's CommonJS wrapper binds around a file. */
const COMMONJS_WRAPPER = ['exports', 'require', 'module', '__filename', '__dirname'];

/**
 * How a breakpoint condition reads a name: `local`, bound by the file; `global`, a property of
 * the global object; `either` when the agent cannot tell (CommonJS wrapper names in a file that
 * also parses as a module, or a file it could not analyse), read directly unless the global
 * object has an app getter of that name; `left-at-return`, bound by a block of the probed function
 * that the line's `return` leaves: read directly, but V8 may stop on that return with the block's
 * bindings already out of its view (`const total = …; return total;`), a miss the probe says so.
 */
export type ReadKind = 'local' | 'global' | 'either' | 'left-at-return';

/** Each root's ReadKind at `offset`; undefined when the file could not be analysed (every name is then `either`). */
export function readKindsAt(
  analysed: AnalysedSource | undefined,
  offset: number,
  roots: readonly string[],
): Record<string, ReadKind> | undefined {
  if (analysed === undefined) return undefined;
  const innermost = innermostScope(analysed, offset);
  const atReturn = RETURN.test(analysed.source.slice(offset, offset + 7));
  const kinds: Record<string, ReadKind> = Object.create(null) as Record<string, ReadKind>;
  for (const name of roots) kinds[name] = kindOf(innermost, name, analysed.program.sourceType === 'script', atReturn);
  return kinds;
}

const RETURN = /^return(?![\p{ID_Continue}$\u200c\u200d])/u;

function kindOf(innermost: ReturnType<typeof innermostScope>, name: string, script: boolean, atReturn: boolean): ReadKind {
  let inBlock = atReturn;
  for (let scope = innermost ?? null; scope !== null; scope = scope.upper) {
    const variable = scope.lookup(name);
    // `arguments` is bound by every non-arrow function without a definition of its own.
    if (variable !== undefined && (variable.def !== undefined || name === 'arguments'))
      return inBlock && scope.variableScope !== scope ? 'left-at-return' : 'local';
    // Past the probed function's own scope, a block's binding is its closure's: kept in view.
    if (scope.variableScope === scope) inBlock = false;
  }
  // A CommonJS file without `require` calls' telltales parses as a module too: its wrapper names may be bound.
  if (COMMONJS_WRAPPER.includes(name)) return script ? 'local' : 'either';
  return 'global';
}

/** The roots read from the global object (for tests and messages). */
export function globalNamesAt(analysed: AnalysedSource | undefined, offset: number, roots: readonly string[]): string[] | undefined {
  const kinds = readKindsAt(analysed, offset, roots);
  return kinds === undefined ? undefined : roots.filter((name) => kinds[name] === 'global');
}

/** A line no probe may read at: every name read there goes through an object first. */
export class UnsafeLineError extends Error {
  readonly code = 'unsafe_line';
  override name = 'UnsafeLineError';
}

/**
 * Throws UnsafeLineError when `offset` is inside a `with` statement: there every name, the
 * agent's own included, is first looked up on the statement's object, which runs its getters
 * and Proxy traps.
 */
export function assertNotInsideWith(analysed: AnalysedSource | undefined, offset: number, line: number): void {
  if (analysed === undefined) return;
  for (let scope = innermostScope(analysed, offset) ?? null; scope !== null; scope = scope.upper) {
    if (scope.type === 'with') {
      throw new UnsafeLineError(
        `line ${line} is inside a \`with\` statement, where reading any name runs the getters and Proxy traps of its object; probe a line outside it`,
      );
    }
  }
}
