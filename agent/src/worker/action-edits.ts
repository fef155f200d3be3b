/**
 * Notices edited actions: the control plane keeps an action's id when it is edited (PATCH), so
 * reconciling by id alone would keep running the old definition. Each desired set is compared
 * with the previous one, definition by definition.
 */
import type { Action } from '@liveprobe/protocol';

export class ActionEdits {
  private seen = new Map<string, string>();

  /** Ids desired before and now with a different definition; forgets ids no longer desired. */
  changed(desired: readonly Action[]): string[] {
    const next = new Map(desired.map((action) => [action.id, JSON.stringify(action)]));
    const changed = [...next].filter(([id, definition]) => this.seen.has(id) && this.seen.get(id) !== definition).map(([id]) => id);
    this.seen = next;
    return changed;
  }
}
