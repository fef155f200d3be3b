import type { ActionStatusView, ActionView } from '@liveprobe/protocol';
import type { ActionStatusRecord, AgentRecord, StoredAction } from '../store/store.js';
import { summarize, summarizeDisabled } from './summary.js';

export type { ActionStatusView, ActionView };

/**
 * `offline`: ids of the agents that are offline now (summary.ts counts them apart); `online`: the
 * agents online now, of which those the action targets and that have not reported on it are
 * counted as not answered yet.
 */
export function toActionView(
  action: StoredAction,
  statuses: readonly ActionStatusRecord[],
  now: Date,
  offline: ReadonlySet<string> = new Set(),
  online: readonly AgentRecord[] = [],
): ActionView {
  const { expiredAt, ...fields } = action;
  // The sweeper runs every second; between its runs the clock is the better judge.
  const expired = expiredAt !== undefined || Date.parse(action.expiresAt) <= now.getTime();
  const state = expired ? 'expired' : action.enabled === false ? 'disabled' : 'active';
  return {
    ...fields,
    state,
    statuses: statuses.map(({ actionId: _, ...status }) => status),
    summary:
      state === 'disabled' ? summarizeDisabled(statuses, offline) : summarize(statuses, offline, silentAgents(action, statuses, online)),
  };
}

function silentAgents(action: StoredAction, statuses: readonly ActionStatusRecord[], online: readonly AgentRecord[]): number {
  const answered = new Set(statuses.map((s) => s.agentId));
  return online.filter(
    (agent) =>
      !answered.has(agent.agentId) && (action.agents.includes(agent.agentId) || agent.birth.tags.some((tag) => action.tags.includes(tag))),
  ).length;
}
