/** Where an action applies, as the user named it: `src/server.ts:65`, or `src/orders.ts:checkout` for a duration named by its function. */
import type { Action } from '@liveprobe/protocol';

export function actionLocation(action: Action): string {
  // A duration named by its function has no line (0 in the action).
  return action.type === 'duration' && action.function !== undefined
    ? `${action.file}:${action.function}`
    : `${action.file}:${action.line}`;
}
