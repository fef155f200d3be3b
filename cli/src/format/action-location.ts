/**
 * Where an action applies, as the user named it: `src/server.ts:65`, `src/orders.ts:checkout` for
 * a duration named by its function, or what an exception action catches.
 */
import { type Action, actionWhere } from '@liveprobe/protocol';

export function actionLocation(action: Action): string {
  return actionWhere(action);
}
