/**
 * After an add, an edit, a disable or an enable: waits (bounded) for each online agent the action
 * targets to answer this version of it, and says per agent what became of it: installed (breakpoint
 * or prepared site, where), waiting for its file, refused and why, or removed (a disabled action).
 */
import { type ActionView, type AgentList, type AgentView, type CreatedAction, refusedByAgent, runsAction } from '@liveprobe/protocol';
import type { ApiClient } from '../api/client.js';
import type { Io } from '../io.js';
import { RefusedError } from '../errors.js';

/** How long a change waits by default for the agents' answers. */
export const ANSWER_WAIT_MS = 5000;
const POLL_MS = 200;

type Status = ActionView['statuses'][number];
/** `off`: a disabled action that agent was not running anyway (it had ended or refused it). */
export type Outcome = 'installed' | 'waiting' | 'refused' | 'removed' | 'off' | 'no answer';

export interface AgentOutcome {
  agentId: string;
  outcome: Outcome;
  status?: Status;
}

/** The action as it was read last, once the agents answered: its statuses are the ones the outcomes were read from. */
export interface Answered {
  action: ActionView;
  outcomes: AgentOutcome[];
}

// An error at a hit (protocol's errorAtHits) leaves the action installed.
function outcomeOf(status: Status): Outcome {
  if (refusedByAgent(status)) return 'refused';
  if (status.state === 'removed') return 'removed';
  return status.state === 'pending' ? 'waiting' : 'installed';
}

const targets = (action: ActionView, agent: AgentView): boolean =>
  agent.online && (action.agents.includes(agent.agentId) || agent.tags.some((tag) => action.tags.includes(tag)));

/**
 * `before` is the action as it was before the change (none for an add): an agent has answered
 * once its status differs from that one. Told apart by the agent's own report time, not by the
 * control plane's clock, which the agent's need not agree with.
 */
export async function agentOutcomes(api: ApiClient, changed: ActionView, waitMs: number, before?: ActionView): Promise<Answered> {
  const earlier = new Map((before?.statuses ?? []).map((s) => [s.agentId, s]));
  const answeredNow = (status: Status) => earlier.get(status.agentId)?.time !== status.time;
  // A disabled action is taken off the agents running it; the others have nothing to answer.
  const running = (id: string) => {
    const status = earlier.get(id);
    return status !== undefined && runsAction(status);
  };
  const { agents } = await api.get<AgentList>('/agents');
  const online = agents.filter((agent) => targets(changed, agent)).map((agent) => agent.agentId);
  const expected = changed.state === 'active' ? online : changed.state === 'disabled' ? online.filter(running) : [];
  const deadline = Date.now() + waitMs;
  let action = changed;
  for (;;) {
    const answered = new Set(action.statuses.filter(answeredNow).map((s) => s.agentId));
    if (expected.every((id) => answered.has(id)) || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    action = await api.get<ActionView>(`/actions/${encodeURIComponent(changed.id)}`);
  }
  const outcomes: AgentOutcome[] = action.statuses.flatMap((status): AgentOutcome[] => {
    if (answeredNow(status)) return [{ agentId: status.agentId, outcome: outcomeOf(status), status }];
    const idle = changed.state === 'disabled' && online.includes(status.agentId) && !expected.includes(status.agentId);
    return idle ? [{ agentId: status.agentId, outcome: 'off', status }] : [];
  });
  const silent = expected
    .filter((id) => !outcomes.some((o) => o.agentId === id))
    .map((agentId) => ({ agentId, outcome: 'no answer' as const }));
  return { action, outcomes: [...outcomes, ...silent] };
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
    case 'removed':
      return `${agentId}: removed`;
    case 'off':
      return `${agentId}: off (it was not running it: ${status?.state}${status?.message === undefined ? '' : `, ${status.message}`})`;
    case 'no answer':
      return `${agentId}: no answer within ${waitMs / 1000} s`;
  }
}

/**
 * Prints the action as read once the agents answered (or the JSON body with `outcomes`, its
 * statuses the ones they were read from), then the warnings and each agent's answer; fails when
 * every agent that answered refused it. `headline` is the people's first line; `refusedFix`, what
 * to do then.
 */
export function reportAnswered(
  io: Io,
  result: CreatedAction,
  answered: Answered | undefined,
  json: boolean | undefined,
  headline: (action: ActionView) => string,
  /** What to do about a refusal; `where` points at the agents' answers, above or in the JSON's `outcomes`. */
  refusedFix: (id: string, where: string) => string,
): void {
  const action = answered?.action ?? result.action;
  const outcomes = answered?.outcomes ?? [];
  const answers = outcomes.filter((o) => o.outcome !== 'no answer');
  const refused = answers.length > 0 && answers.every((o) => o.outcome === 'refused');
  const refusal = `every agent that answered refused ${action.id}${refusedFix(action.id, json === true ? '(in `outcomes`)' : '(above)')}`;
  if (json === true) {
    const body = { ...result, action, ...(answered === undefined ? {} : { outcomes }) };
    // One document on stdout, the error's with the body in it, for a script to parse.
    if (refused) throw new RefusedError(refusal, body);
    io.out(JSON.stringify(body, null, 2));
    return;
  }
  io.out(headline(action));
  for (const warning of result.warnings) io.err(`warning: ${warning}`);
  for (const outcome of outcomes) io.out(`  ${describeOutcome(outcome, ANSWER_WAIT_MS)}`);
  if (refused) throw new RefusedError(refusal);
}
