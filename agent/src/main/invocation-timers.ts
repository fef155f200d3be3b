/**
 * Pairs a tic with the toc of the same invocation, across `await` and with many requests
 * interleaved: the tic puts its start time into the async context (a private
 * AsyncLocalStorage), which the invocation's continuations carry to the toc.
 *
 * The interval is the app's time, as near as the agent can take it: a tic's time is taken as
 * the last thing its hit does (`stamp`), a toc's is the first thing its hit did (`at`). Several
 * actions timing one position run one after another with no app code between (V8 evaluates
 * every breakpoint condition at a position in one break; a prepared site calls each armed key
 * in turn): they form one passage, which takes one time, the last tic's stamp or the first
 * toc's reading, so two durations of one function agree, and neither includes the other's cost.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { enqueueMicrotask, monotonicNow } from './builtins.js';

/** An open tic: its start, set when its passage ends. */
interface Start {
  time: number;
}

/** The open tics of each pair; a stack, for recursion. */
type Starts = Map<number, Start[]>;

/** Consecutive hits of one role at one position, with no app code between. */
interface Passage {
  role: 'tic' | 'toc';
  at: string;
  /** The pairs seen in it: a pair seen again is the app passing the position again. */
  pairs: Set<number>;
  /** Toc: the time the first toc took. */
  time: number;
  /** Tic: the starts opened in it, stamped when it ends. */
  opened: Start[];
}

export class InvocationTimers {
  // Created on the first tic: an AsyncLocalStorage in use has a cost for every promise.
  private storage: AsyncLocalStorage<Starts> | undefined;
  private passage: Passage | undefined;
  /** Set by a tic, so only the hit that opened one stamps: any other hit runs after app code did. */
  private unstamped = false;

  /** Opens a tic; its time is set by the `stamp` that ends its hit. */
  start(pair: number, at: string): void {
    this.storage ??= new AsyncLocalStorage<Starts>();
    const starts: Starts = new Map(this.storage.getStore());
    const start: Start = { time: Number.NaN };
    // Copied, so sibling invocations never see each other's starts.
    starts.set(pair, [...(starts.get(pair) ?? []), start]);
    this.storage.enterWith(starts);
    this.join('tic', pair, at, Number.NaN).opened.push(start);
    this.unstamped = true;
  }

  /** The last step of every hit: when it opened a tic, the tics of its passage start now. */
  stamp(): void {
    if (!this.unstamped) return;
    this.unstamped = false;
    const passage = this.passage;
    if (passage === undefined) return;
    const now = monotonicNow();
    for (const start of passage.opened) start.time = now;
  }

  /**
   * Seconds since the matching tic, or undefined when this invocation had none. `at`: when
   * this toc's hit began, unless an earlier toc of the same passage took the time already.
   */
  stop(pair: number, position: string, at: number): number | undefined {
    const start = this.storage?.getStore()?.get(pair)?.pop();
    const { time } = this.join('toc', pair, position, at);
    if (start === undefined || Number.isNaN(start.time)) return undefined;
    return (time - start.time) / 1000;
  }

  private join(role: Passage['role'], pair: number, at: string, time: number): Passage {
    const current = this.passage;
    if (current !== undefined && current.role === role && current.at === at && !current.pairs.has(pair)) {
      current.pairs.add(pair);
      return current;
    }
    const passage: Passage = { role, at, pairs: new Set([pair]), time, opened: [] };
    this.passage = passage;
    // A passage is one synchronous run of conditions or site calls: an async invocation resuming
    // later at the same position is another, even when the actions armed there changed between.
    enqueueMicrotask(() => {
      if (this.passage === passage) this.passage = undefined;
    });
    return passage;
  }
}
