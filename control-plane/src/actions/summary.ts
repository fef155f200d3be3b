import type { ActionState } from '@liveprobe/protocol';
import type { ActionStatusRecord } from '../store/store.js';

const MAX_ERRORS_SHOWN = 3;

/** Every state other than installed and error, in the order the summary mentions them. */
const OTHER_STATES: ReadonlyArray<[ActionState, string]> = [
  ['pending', 'pending'],
  ['paused', 'paused by quota'],
  ['hit_limit', 'reached the hit limit'],
  ['expired', 'expired'],
  ['removed', 'removed'],
];

/** One line for people: `installed on 2/3 agents; 1 error: api-7: no loaded script matches …`. */
export function summarize(statuses: readonly ActionStatusRecord[]): string {
  if (statuses.length === 0) return 'waiting for agents';
  const total = statuses.length;
  // A resumed action is installed again.
  const installed = statuses.filter((s) => s.state === 'installed' || s.state === 'resumed').length;
  const parts = [`installed on ${installed}/${total} agent${total === 1 ? '' : 's'}`];

  const errors = statuses.filter((s) => s.state === 'error');
  if (errors.length > 0) {
    const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((s) => `${s.agentId}: ${s.message ?? 'no reason given'}`);
    const more = errors.length > MAX_ERRORS_SHOWN ? ` (and ${errors.length - MAX_ERRORS_SHOWN} more)` : '';
    parts.push(`${errors.length} error${errors.length === 1 ? '' : 's'}: ${shown.join(', ')}${more}`);
  }
  for (const [state, label] of OTHER_STATES) {
    const count = statuses.filter((s) => s.state === state).length;
    if (count > 0) parts.push(`${count} ${label}`);
  }
  return parts.join('; ');
}
