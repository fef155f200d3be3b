// Browser module: where an action applies, as the user named it.
import type { Action } from '@liveprobe/protocol';

/** `src/server.ts:65`; a duration named by its function has line 0, so it reads `src/server.ts:checkout`. */
export function locationOf(action: Action): string {
  return action.type === 'duration' && action.function !== undefined
    ? `${action.file}:${action.function}`
    : `${action.file}:${action.line}`;
}
