/** One state per action for the gutter, from its per-agent statuses, and the words for it. */
import type { ActionView } from '@liveprobe/protocol';

export type GutterState = 'installed' | 'prepared' | 'sampling' | 'paused' | 'error' | 'waiting' | 'done';
/** From least to most in need of attention: a line with several actions shows the last that applies. */
export const GUTTER_STATES: GutterState[] = ['done', 'waiting', 'installed', 'prepared', 'sampling', 'paused', 'error'];

/** An installed breakpoint over its quota takes only some hits: its status says `…; sampling: on … every …`. */
export const SAMPLING = /(^|; )sampling: /;

/** `remembered`: agents' earlier errors on this action (see ActionsStore.errorsOf). */
export function gutterState(action: ActionView, remembered: ReadonlyMap<string, string> = new Map()): GutterState {
  const s = action.statuses;
  if (remembered.size > 0 || s.some((x) => x.state === 'error')) return 'error';
  if (s.some((x) => x.state === 'paused')) return 'paused';
  const live = s.filter((x) => x.state === 'installed' || x.state === 'resumed');
  if (live.some((x) => SAMPLING.test(x.message ?? ''))) return 'sampling';
  if (live.length > 0) return live.some((x) => /prepared site/.test(x.message ?? '')) ? 'prepared' : 'installed';
  if (s.length > 0 && s.every((x) => x.state === 'hit_limit' || x.state === 'expired' || x.state === 'removed')) return 'done';
  return 'waiting';
}

export function hitsOf(action: ActionView): number {
  return action.statuses.reduce((sum, s) => sum + s.hits, 0);
}

/** `log "order {order.id}"`, `counter checkout.calls`: what the action does, in a few words. */
export function describeAction(action: ActionView): string {
  switch (action.type) {
    case 'log':
      return `log "${action.template}"`;
    case 'snapshot':
      return action.watches.length > 0 ? `snapshot (${action.watches.join(', ')})` : 'snapshot';
    case 'metric':
      return `metric ${action.name} = ${action.expression}`;
    case 'tictoc':
      return `tic-toc ${action.name} → line ${action.toc.line}`;
    case 'exception':
      return action.errorType === undefined ? 'exception snapshots' : `exception snapshots (${action.errorType})`;
    default:
      return `${action.type} ${action.name}`;
  }
}
