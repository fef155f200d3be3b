/**
 * The JavaScript V8 evaluates as a breakpoint condition: it reads the named variables in the
 * paused frame (each guarded, since V8 may not have kept it), calls the main thread's hook
 * and yields false, so the breakpoint never pauses.
 *
 * The condition runs in the app's scope, so it binds no name of its own: each variable is read
 * inside an arrow function of its own, where only the app's bindings are in scope, and the one
 * name it needs besides them is the hook's global, `$lp$hook`, a name the expression checker
 * refuses. It looks nothing up on a prototype the app could have replaced (no `push`, no
 * `Symbol.for`). A name the file does not bind is a property of the global object, which may be
 * a getter: the hook reads those without running it.
 */
import { HOOK_GLOBAL } from '../bridge.js';
import { generatedNamesAt } from '../locate/generated-names.js';
import { readKindsAt, type ReadKind } from '../locate/global-names.js';
import type { AnalysedSource } from '../locate/source-analysis.js';
import type { ScriptSourceMap } from '../locate/source-maps.js';
import { leadingCalleeAt, type ThrowKind, throwKindAt } from '../locate/throw-statement.js';
import { uninitialisedAt } from '../locate/uninitialised.js';

/** Where in the script a condition runs, beyond how its names resolve. */
export interface ConditionPlace {
  /** The script's own names of the roots it declares below the position: V8 would read them as undefined. */
  uninitialised?: readonly string[];
  /** The line's place among those of a script holding it in several (0: the first), passed after the values when not 0. */
  place?: number;
  /**
   * How the breakpoint's statement throws in its own frame (locate/throw-statement.ts): there V8
   * runs its condition again at the throw, and the hook's `throwHit` (a `throw` statement,
   * main/throw-reruns.ts) or `raiseHit` (any other, main/raise-reruns.ts) answers true there.
   */
  throws?: ThrowKind;
  /**
   * A binding of the file the statement calls first, at the breakpoint's own position
   * (locate/throw-statement.ts): the condition also passes whether it is no function, while V8
   * runs again at every throw (main/raise-reruns.ts).
   */
  callee?: string;
}

/**
 * `kinds`: how each name resolves at the line (global-names.ts), or undefined when the file
 * could not be analysed: then every read is guarded against global getters. `renamed`: the
 * script's own name for a root it renamed (generated-names.ts); `kinds` is by that name.
 */
export function conditionSource(
  key: number,
  roots: readonly string[],
  usesThis: boolean,
  kinds: Readonly<Record<string, ReadKind>> | undefined,
  renamed: Readonly<Record<string, string>> = {},
  { uninitialised = [], place = 0, throws = 'none', callee }: ConditionPlace = {},
): string {
  // `roots` are identifiers the expression checker accepted, and `renamed` names the script
  // declares, so they are safe to splice in.
  const reads = roots.map((root) => {
    const name = Object.hasOwn(renamed, root) ? renamed[root]! : root;
    if (uninitialised.includes(name)) return `${HOOK_GLOBAL}.NI`;
    const quoted = JSON.stringify(name);
    const kind = kinds?.[name] ?? 'either';
    if (kind === 'global') return `${HOOK_GLOBAL}.global(${quoted})`;
    const read = kind === 'either' ? `${HOOK_GLOBAL}.guard(${quoted}) || ${name}` : name;
    const missing = kind === 'left-at-return' ? 'LB' : 'NA';
    return `(() => { try { return ${read}; } catch { return ${HOOK_GLOBAL}.${missing}; } })()`;
  });
  const uncallable =
    callee === undefined
      ? ''
      : `, ${HOOK_GLOBAL}.everyThrow === true && ${
          uninitialised.includes(callee)
            ? 'true'
            : `typeof (() => { try { return ${callee}; } catch { return ${HOOK_GLOBAL}.NA; } })() !== 'function'`
        }`;
  const args = `${key}, [${[...reads, ...(place === 0 ? [] : [String(place)])].join(', ')}], ${usesThis ? 'this' : 'undefined'}${uncallable}`;
  return (
    `typeof ${HOOK_GLOBAL} === 'object' && ${HOOK_GLOBAL} !== null && ` +
    (throws === 'none' ? `void ${HOOK_GLOBAL}.hit(${args})` : `${HOOK_GLOBAL}.${throws}Hit(${args}) === true`)
  );
}

/**
 * The condition of a breakpoint at `offset` of a script: each root read by the name the script
 * gives it there, those in their temporal dead zone there passed as such; `place`: see
 * ConditionPlace. `breakpoint`: V8 evaluates it as a breakpoint's condition, not once in a
 * paused frame, so a statement that can throw takes the throw's second run into account.
 */
export function conditionAt(
  key: number,
  { roots, usesThis }: { roots: readonly string[]; usesThis: boolean },
  analysed: AnalysedSource | undefined,
  offset: number,
  map: ScriptSourceMap | undefined,
  { place = 0, breakpoint = false }: { place?: number; breakpoint?: boolean } = {},
): string {
  const renamed = generatedNamesAt(analysed, offset, roots, map);
  const names = roots.map((root) => (Object.hasOwn(renamed, root) ? renamed[root]! : root));
  const throws = breakpoint && analysed !== undefined ? throwKindAt(analysed, offset) : 'none';
  const first = throws === 'raise' ? leadingCalleeAt(analysed!, offset) : undefined;
  // Only a binding of the file: reading a global's could run an app getter.
  const callee = first !== undefined && readKindsAt(analysed, offset, [first])?.[first] === 'local' ? first : undefined;
  const uninitialised = analysed === undefined ? [] : uninitialisedAt(analysed, offset, callee === undefined ? names : [...names, callee]);
  return conditionSource(key, roots, usesThis, readKindsAt(analysed, offset, names), renamed, { uninitialised, place, throws, callee });
}
