import type { ActionStatusView, ActionView } from '@liveprobe/protocol';
import type { ActionStatusRecord, StoredAction } from '../store/store.js';
import { summarize, summarizeDisabled } from './summary.js';

export type { ActionStatusView, ActionView };

/** `offline`: ids of the agents that are offline now (summary.ts counts them apart). */
export function toActionView(
  action: StoredAction,
  statuses: readonly ActionStatusRecord[],
  now: Date,
  offline: ReadonlySet<string> = new Set(),
): ActionView {
  const { expiredAt, ...fields } = action;
  // The sweeper runs every second; between its runs the clock is the better judge.
  const expired = expiredAt !== undefined || Date.parse(action.expiresAt) <= now.getTime();
  const state = expired ? 'expired' : action.enabled === false ? 'disabled' : 'active';
  return {
    ...fields,
    state,
    statuses: statuses.map(({ actionId: _, ...status }) => status),
    summary: state === 'disabled' ? summarizeDisabled(statuses, offline) : summarize(statuses, offline),
  };
}
