// Browser module: after the form adds an action, each targeted online agent's first answer
// (waited for up to 5 s), as the CLI's add commands print it: installed where and how,
// waiting for its file, or refused and why.
import type { ActionView, AgentList } from '@liveprobe/protocol';
import { api } from './api.js';

const WAIT_MS = 5000;
const POLL_MS = 250;

type Status = ActionView['statuses'][number];

function answerLine(status: Status): string {
  const where = status.location === undefined ? '' : ` at ${status.location.file}:${status.location.line}`;
  if (status.state === 'pending') return `${status.agentId}: waiting for its file: ${status.message ?? ''}`;
  if (status.state !== 'error') return `${status.agentId}: ${status.state}${where} (${status.message ?? status.state})`;
  // With a location, the error happened at a hit: the action is installed and an expression fails there.
  if (status.location !== undefined) return `${status.agentId}: installed${where}; an expression fails at hits: ${status.message ?? ''}`;
  return `${status.agentId}: refused: ${status.message ?? 'no reason given'}`;
}

/** One line per targeted online agent, once each answered or the wait ran out. */
export async function agentAnswers(action: ActionView): Promise<string[]> {
  const { agents } = await api<AgentList>('GET', '/agents');
  const targeted = agents
    .filter((a) => a.online && (action.agents.includes(a.agentId) || a.tags.some((tag) => action.tags.includes(tag))))
    .map((a) => a.agentId);
  const until = Date.now() + WAIT_MS;
  let statuses: Status[] = [];
  while (true) {
    statuses = (await api<ActionView>('GET', `/actions/${action.id}`)).statuses;
    if (targeted.every((id) => statuses.some((s) => s.agentId === id)) || Date.now() >= until) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const silent = targeted
    .filter((id) => !statuses.some((s) => s.agentId === id))
    .map((id) => `${id}: no answer within ${WAIT_MS / 1000} s`);
  return [...statuses.map(answerLine), ...silent];
}
