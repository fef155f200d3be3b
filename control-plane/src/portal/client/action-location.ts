// Browser module: where an action applies, as the user named it.
import type { Action } from '@liveprobe/protocol';

/**
 * `src/server.ts:65`; a duration named by its function has line 0, so it reads
 * `src/server.ts:checkout`; an exception action has no location, so it names what it catches.
 */
export function locationOf(action: Action): string {
  if (action.type === 'exception') return action.errorType === undefined ? 'uncaught errors' : `uncaught ${action.errorType}`;
  return action.type === 'duration' && action.function !== undefined
    ? `${action.file}:${action.function}`
    : `${action.file}:${action.line}`;
}
