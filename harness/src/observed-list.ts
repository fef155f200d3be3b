/** A stream's arrivals kept in order, with waits for the first match (see ObservedList). */
interface Waiter<T> {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
}

/**
 * Everything a stream has delivered so far (log records, SSE events, output lines), with a
 * way to wait for the first item that matches, whether it already arrived or is still to come.
 */
export class ObservedList<T> {
  readonly #items: T[] = [];
  readonly #waiters = new Set<Waiter<T>>();
  readonly #listeners = new Set<(item: T) => void>();

  push(item: T): void {
    this.#items.push(item);
    for (const listener of this.#listeners) listener(item);
    for (const waiter of this.#waiters) {
      if (waiter.predicate(item)) {
        this.#waiters.delete(waiter);
        waiter.resolve(item);
      }
    }
  }

  items(): T[] {
    return [...this.#items];
  }

  /** Calls `listener` with every item pushed from now on; returns the function that stops it. */
  on(listener: (item: T) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Forgets the items so far (a long run that only needs what comes next); waits go on. */
  clear(): void {
    this.#items.length = 0;
  }

  /** `signal` abandons the wait early (its promise then never settles), freeing its timer. */
  waitFor(predicate: (item: T) => boolean, timeoutMs: number, what: string, signal?: AbortSignal): Promise<T> {
    const found = this.#items.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.#describe()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      });
    });
  }

  // The last few arrivals are what tells a near miss (wrong text, wrong id) from nothing at all.
  #describe(): string {
    if (this.#items.length === 0) return 'nothing arrived';
    const last = this.#items.slice(-5).map((item) => JSON.stringify(item));
    return `${this.#items.length} arrived, the last ones:\n  ${last.join('\n  ')}`;
  }
}
