/**
 * What an agent's status for an action means for it, read the same way by the control plane's
 * summaries and the CLI's answers. An `error` with the location the action is installed at
 * happened at a hit (an expression failed there): the action stays installed. One without a
 * location is a refusal: the agent could not install it.
 */
import type { ActionState } from './agent.js';

interface StatusOfAction {
  state: ActionState;
  location?: unknown;
}

/** An error at a hit: the action is installed where `location` says. */
export const errorAtHits = (status: StatusOfAction): boolean => status.state === 'error' && status.location !== undefined;

/** The agent could not install the action. */
export const refusedByAgent = (status: StatusOfAction): boolean => status.state === 'error' && status.location === undefined;

const ENDED: ReadonlySet<ActionState> = new Set(['hit_limit', 'expired', 'removed']);

/** The agent runs the action (installed, waiting for its file, paused or resumed): it has not ended, taken out or refused it. */
export const runsAction = (status: StatusOfAction): boolean => !refusedByAgent(status) && !ENDED.has(status.state);
