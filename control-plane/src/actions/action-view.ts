import type { Action } from '@liveprobe/protocol';
import type { ActionStatusRecord, StoredAction } from '../store/store.js';
import { summarize } from './summary.js';

/** What one agent reported about the action: the stored record, without the action's id. */
export type ActionStatusView = Omit<ActionStatusRecord, 'actionId'>;

/** An action as the REST API shows it: what was asked, and what the agents made of it. */
export type ActionView = Action & {
  /** `disabled`: kept with its hits and history, but on no agent until enabled again. */
  state: 'active' | 'expired' | 'disabled';
  statuses: ActionStatusView[];
  summary: string;
};

export function toActionView(action: StoredAction, statuses: readonly ActionStatusRecord[], now: Date): ActionView {
  const { expiredAt, ...fields } = action;
  // The sweeper runs every second; between its runs the clock is the better judge.
  const expired = expiredAt !== undefined || Date.parse(action.expiresAt) <= now.getTime();
  return {
    ...fields,
    state: expired ? 'expired' : action.enabled === false ? 'disabled' : 'active',
    statuses: statuses.map(({ actionId: _, ...status }) => status),
    summary: summarize(statuses),
  };
}
