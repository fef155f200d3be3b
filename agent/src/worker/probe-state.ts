/**
 * Where one probe is in its life, as one discriminated state, and the only moves allowed
 * between states. The engine changes a probe's state through `advance` alone, so a move the
 * table does not list fails loudly (an internal error in the agent's log) instead of leaving a
 * probe half in two states.
 */
import type { Action } from '@liveprobe/protocol';
import type { DutyCycle } from '../bridge.js';
import type { BlocklistTarget } from '../locate/blocklist.js';
import type { LoadedScript } from './inspector-session.js';
import type { PreparedPlacement } from './prepared/prepared-sites.js';
import type { WindowCost } from './window-cost.js';

/** What it takes to set one breakpoint again (after a quota pause, or in a new session). */
export interface Placement {
  script: LoadedScript;
  line: number;
  column: number | undefined;
  condition: string;
  key: number;
  /** In a bundle (a map naming several sources): a copy of the file may still load in another script. */
  bundled?: true;
}

/** Installed with breakpoints (install path 1): their ids in the current session, and how to set them again. */
export interface OnBreakpoints {
  kind: 'breakpoints';
  ids: string[];
  placements: Placement[];
}

/** Installed on prepared sites (install path 2): flags switched on, no breakpoint, no session needed. */
export interface OnPreparedSites {
  kind: 'prepared';
  placement: PreparedPlacement;
  /** Through a bundle's map (one naming several sources): a copy of the file may load later in another script (late-copies.ts). */
  bundled?: true;
}

export type ProbeState =
  /**
   * No loaded script matches its file yet (or the session just opened): retried as scripts load.
   * `reported`: the reason last reported, so that each script loading in vain does not repeat it.
   */
  | { kind: 'waiting'; reported?: string }
  | OnBreakpoints
  | OnPreparedSites
  /**
   * Out of V8 while a quota refills; `resumes` is where it goes back. `sampling`: a breakpoint
   * between two sampling windows, out since `since` (ms), following `cycle`.
   */
  | {
      kind: 'paused';
      timer: NodeJS.Timeout;
      resumes: Omit<OnBreakpoints, 'ids'> | OnPreparedSites;
      sampling?: { cycle: DutyCycle; since: number };
    }
  /** Reached its hit limit or expiry: never installed again while the action is still desired. */
  | { kind: 'finished'; reason: 'hit_limit' | 'expired' }
  /** Refused by the agent's blocklist, with what was asked: installed again when a new blocklist allows it. */
  | { kind: 'blocked'; checked: BlocklistTarget[] }
  /** Nothing that loads later can fix it (bad expression, no code at the line, source differs). */
  | { kind: 'error'; message: string };

export type ProbeKind = ProbeState['kind'];
export type EndedState = Extract<ProbeState, { kind: 'finished' | 'blocked' | 'error' }>;

/** One action the engine tracks, from its install until it is no longer desired. */
export interface Probe {
  readonly action: Action;
  state: ProbeState;
  /** Its keys on the main thread: the first pairs a tic with its tocs; tic-toc and duration have more. */
  keys: number[];
  /** Where it is installed, in the user's source. */
  file?: string;
  line?: number;
  functionName?: string;
  expiryTimer?: NodeJS.Timeout;
  /** Recent pauses, for backing off an action that keeps exceeding its quota. */
  pauses: number[];
  /** What the blocklist was asked about when it was installed, to ask again when the blocklist changes. */
  checked: BlocklistTarget[];
  /** Its last `installed` status, which reports of hits not exported add to. */
  installed?: { actionId: string; state: 'installed'; message: string; location?: { file: string; line: number } };
  /** Why an action on a prepared file could not take prepared sites, for the status. */
  unprepared?: string;
  /** While its breakpoint samples: how, for the status ("sampling: on 40 ms every 1 s, …"), and when that was last reported. */
  sampling?: { text: string; reported: string | undefined; at: number };
  /** While its breakpoint samples: what its windows cost the main thread, measured (window-cost.ts). */
  windowCost?: WindowCost;
}

/**
 * Every move a probe can make. A probe leaves `breakpoints` (or `paused` between sampling
 * windows) for `waiting` only to move onto prepared sites (a prepared file loaded after it took
 * breakpoints), and `breakpoints` for
 * `breakpoints` when a new session sets them again. Ended states are left only by the action
 * leaving the desired set (or, for `blocked`, by a new blocklist installing it afresh).
 */
const MOVES: { readonly [from in ProbeKind]: readonly ProbeKind[] } = {
  waiting: ['breakpoints', 'prepared', 'finished', 'blocked', 'error'],
  breakpoints: ['breakpoints', 'waiting', 'paused', 'finished', 'blocked'],
  // waiting: placed again when another prepared file holding its line binds (a bundle's copy of it).
  prepared: ['paused', 'waiting', 'finished', 'blocked'],
  paused: ['breakpoints', 'prepared', 'waiting', 'finished', 'blocked'],
  finished: [],
  blocked: [],
  error: [],
};

export class ProbeStateError extends Error {
  override name = 'ProbeStateError';
}

/** Moves the probe to `next`, or throws when the table does not allow that move. */
export function advance(probe: Probe, next: ProbeState): void {
  if (!MOVES[probe.state.kind].includes(next.kind)) {
    throw new ProbeStateError(`action ${probe.action.id} cannot go from ${probe.state.kind} to ${next.kind}`);
  }
  probe.state = next;
}

export function isEnded(state: ProbeState): state is EndedState {
  return MOVES[state.kind].length === 0;
}

/** The prepared sites the probe is on (installed, or paused there); then it needs no inspector session. */
export function preparedPlacement(state: ProbeState): PreparedPlacement | undefined {
  if (state.kind === 'prepared') return state.placement;
  if (state.kind === 'paused' && state.resumes.kind === 'prepared') return state.resumes.placement;
  return undefined;
}
