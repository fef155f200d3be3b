// Browser module: where an action applies, as the user named it.
import type { Action } from '@liveprobe/protocol';

/**
 * `src/server.ts:65`; a duration named by its function has line 0, so it reads
 * `src/server.ts:checkout`; an exception action has no location, so it names what it catches.
 */
export function locationOf(action: Action): string {
  if (action.type === 'exception') {
    // protocol's exceptionWhere, which this browser module cannot import.
    const what = `reported ${action.errorType ?? 'errors'}`;
    return action.files === undefined ? what : `${what} in ${action.files.join(', ')}`;
  }
  return action.type === 'duration' && action.function !== undefined
    ? `${action.file}:${action.function}`
    : `${action.file}:${action.line}`;
}
