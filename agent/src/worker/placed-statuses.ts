/**
 * One status per action for the whole process, when an action is installed in more than one
 * thread: the main thread's engine and one engine per app worker thread (app-threads.ts) each
 * report their own. Installed anywhere is installed, and the message says where; a worker thread
 * that ends takes its part with it, and the action's status is the other places' again.
 */
import type { StatusReport } from './probe-engine.js';

export const MAIN_THREAD = 'main thread';

const ENDED = new Set(['removed', 'expired', 'hit_limit']);

export class PlacedStatuses {
  /** Each action's latest status in each place that reported one. */
  private readonly byAction = new Map<string, Map<string, StatusReport>>();

  constructor(private readonly publish: (status: StatusReport) => void) {}

  report(place: string, status: StatusReport): void {
    const places = this.byAction.get(status.actionId) ?? new Map<string, StatusReport>();
    if (ENDED.has(status.state)) {
      places.delete(place);
      if (place === MAIN_THREAD || places.size === 0) this.byAction.delete(status.actionId);
      // The main engine removes every action it was told to; a worker thread's removal is the same news.
      if (place !== MAIN_THREAD && status.state === 'removed') return;
      if (place !== MAIN_THREAD && this.installedAt(places).length > 0) return this.compose(status.actionId, places);
      return this.publish(status);
    }
    places.set(place, status);
    this.byAction.set(status.actionId, places);
    this.compose(status.actionId, places, status);
  }

  /** A worker thread ended: its breakpoints went with it. */
  forget(place: string): void {
    for (const [actionId, places] of this.byAction) {
      const was = places.get(place);
      if (was === undefined) continue;
      places.delete(place);
      if (was.state === 'installed') this.compose(actionId, places);
    }
  }

  private installedAt(places: Map<string, StatusReport>): string[] {
    return [...places].filter(([, status]) => status.state === 'installed').map(([place]) => place);
  }

  private compose(actionId: string, places: Map<string, StatusReport>, latest?: StatusReport): void {
    const installed = this.installedAt(places);
    const inThreads = installed.some((place) => place !== MAIN_THREAD);
    if (!inThreads) {
      // As before worker threads were covered: the main thread's status, or what a thread reported (an error).
      const status = places.get(MAIN_THREAD) ?? latest ?? [...places.values()].at(-1);
      if (status !== undefined) this.publish(status);
      return;
    }
    const base = places.get(installed.includes(MAIN_THREAD) ? MAIN_THREAD : installed[0]!)!;
    const where = `installed in ${installed.join(', ')}`;
    this.publish({ ...base, message: base.message === undefined ? where : `${base.message}; ${where}` });
  }
}
