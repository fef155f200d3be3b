import type { ActionState } from '@liveprobe/protocol';

/** Each agent's latest status per action, with waiters for "n agents report this state". */
export class StatusBook {
  readonly #latest = new Map<string, Map<string, ActionState>>();
  readonly #waiters = new Set<() => void>();

  record(actionId: string, agentId: string, state: ActionState): void {
    let states = this.#latest.get(actionId);
    if (states === undefined) this.#latest.set(actionId, (states = new Map()));
    states.set(agentId, state);
    for (const check of this.#waiters) check();
  }

  /** How many agents' latest status for the action is `state`. */
  count(actionId: string, state: ActionState): number {
    let n = 0;
    for (const s of this.#latest.get(actionId)?.values() ?? []) if (s === state) n++;
    return n;
  }

  /** Resolves once `wanted` agents' latest status for the action is `state`. */
  waitFor(actionId: string, state: ActionState, wanted: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.count(actionId, state) < wanted) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`${this.count(actionId, state)}/${wanted} simulated agents report ${actionId} ${state} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}
