import { type ActionState, errorAtHits, refusedByAgent, runsAction } from '@liveprobe/protocol';
import type { ActionStatusRecord } from '../store/store.js';

const MAX_ERRORS_SHOWN = 3;

/** Every state other than installed and error, in the order the summary mentions them. */
const OTHER_STATES: ReadonlyArray<[ActionState, string]> = [
  ['pending', 'waiting for the file to load'],
  ['paused', 'paused by quota'],
  ['hit_limit', 'reached the hit limit'],
  ['expired', 'expired'],
  ['removed', 'removed'],
];

function listed(statuses: readonly ActionStatusRecord[], what: string): string {
  const shown = statuses.slice(0, MAX_ERRORS_SHOWN).map((s) => `${s.agentId}: ${s.message ?? 'no reason given'}`);
  const more = statuses.length > MAX_ERRORS_SHOWN ? ` (and ${statuses.length - MAX_ERRORS_SHOWN} more)` : '';
  return `${statuses.length} ${what}: ${shown.join(', ')}${more}`;
}

/**
 * One line for people: `installed on 2/3 agents; 1 error: api-7: no loaded script matches …`,
 * or `installed on 1/1 agent; 1 with errors at hits: api-1: \`order.x\` …` for an action that
 * is installed and printing while one of its expressions fails. Agents in `offline` (a process
 * that stopped; a restarted one comes back under a new id) are counted apart, `; 1 offline`,
 * so the count is of agents that run the action now. `silent`: online agents the action targets
 * that have not reported on it yet (a worker of a cluster still installing it), counted in the
 * total, `installed on 1/3 agents; 2 not answered yet`, rather than left out of it.
 */
export function summarize(statuses: readonly ActionStatusRecord[], offline: ReadonlySet<string> = new Set(), silent = 0): string {
  const gone = statuses.filter((s) => offline.has(s.agentId)).length;
  const away = gone === 0 ? '' : `; ${gone} offline`;
  const live = gone === 0 ? statuses : statuses.filter((s) => !offline.has(s.agentId));
  if (live.length === 0) return `waiting for agents${away}`;
  const total = live.length + silent;
  // A resumed action is installed again.
  const installed = live.filter((s) => s.state === 'installed' || s.state === 'resumed' || errorAtHits(s)).length;
  const parts = [`installed on ${installed}/${total} agent${total === 1 ? '' : 's'}`];

  const atHits = live.filter(errorAtHits);
  if (atHits.length > 0) parts.push(listed(atHits, 'with errors at hits'));
  const errors = live.filter(refusedByAgent);
  if (errors.length > 0) parts.push(listed(errors, `error${errors.length === 1 ? '' : 's'}`));
  for (const [state, label] of OTHER_STATES) {
    const count = live.filter((s) => s.state === state).length;
    if (count > 0) parts.push(`${count} ${label}`);
  }
  if (silent > 0) parts.push(`${silent} not answered yet`);
  return parts.join('; ') + away;
}

/**
 * A disabled action's line: `off every agent` once no agent runs it, and until then how many
 * still do (`off 1/3 agents; 2 still running it`), never the `installed on` of an active one.
 */
export function summarizeDisabled(statuses: readonly ActionStatusRecord[], offline: ReadonlySet<string> = new Set()): string {
  const live = statuses.filter((s) => !offline.has(s.agentId));
  const on = live.filter(runsAction).length;
  if (on === 0) return 'off every agent';
  return `off ${live.length - on}/${live.length} agent${live.length === 1 ? '' : 's'}; ${on} still running it`;
}
