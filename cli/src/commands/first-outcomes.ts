/**
 * After an `add`: waits (bounded) for the first answer of each online agent the action targets,
 * and says per agent what became of it: installed (breakpoint or prepared site, where), waiting
 * for its file, or refused and why.
 */
import type { ActionView, AgentList, AgentView } from '@liveprobe/protocol';
import type { ApiClient } from '../api/client.js';

/** How long an add waits by default for the agents' first statuses. */
export const FIRST_STATUS_WAIT_MS = 5000;
const POLL_MS = 200;

type Status = ActionView['statuses'][number];
export type Outcome = 'installed' | 'waiting' | 'refused' | 'no answer';

export interface AgentOutcome {
  agentId: string;
  outcome: Outcome;
  status?: Status;
}

function outcomeOf(status: Status): Outcome {
  // An error with the location it is installed at happened at a hit: the action is installed.
  if (status.state === 'error') return status.location === undefined ? 'refused' : 'installed';
  return status.state === 'pending' ? 'waiting' : 'installed';
}

const targets = (action: ActionView, agent: AgentView): boolean =>
  agent.online && (action.agents.includes(agent.agentId) || agent.tags.some((tag) => action.tags.includes(tag)));

export async function firstOutcomes(api: ApiClient, action: ActionView, waitMs: number): Promise<AgentOutcome[]> {
  const { agents } = await api.get<AgentList>('/agents');
  const expected = agents.filter((agent) => targets(action, agent)).map((agent) => agent.agentId);
  const deadline = Date.now() + waitMs;
  let statuses: Status[] = [];
  for (;;) {
    statuses = (await api.get<ActionView>(`/actions/${action.id}`)).statuses;
    const answered = new Set(statuses.map((s) => s.agentId));
    if (expected.every((id) => answered.has(id)) || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const answers: AgentOutcome[] = statuses.map((status) => ({ agentId: status.agentId, outcome: outcomeOf(status), status }));
  const silent = expected
    .filter((id) => !statuses.some((s) => s.agentId === id))
    .map((agentId) => ({ agentId, outcome: 'no answer' as const }));
  return [...answers, ...silent];
}

/** One line per agent, for people. */
export function describeOutcome({ agentId, outcome, status }: AgentOutcome, waitMs: number): string {
  const where = status?.location === undefined ? '' : ` at ${status.location.file}:${status.location.line}`;
  switch (outcome) {
    case 'installed':
      return status?.state === 'error'
        ? `${agentId}: installed${where}; an expression fails at hits: ${status.message ?? ''}`
        : `${agentId}: installed${where} (${status?.message ?? status?.state})`;
    case 'waiting':
      return `${agentId}: waiting for its file: ${status?.message ?? ''}`;
    case 'refused':
      return `${agentId}: refused: ${status?.message ?? 'no reason given'}`;
    case 'no answer':
      return `${agentId}: no answer within ${waitMs / 1000} s`;
  }
}
