/**
 * Pairs a tic with the toc of the same invocation, across `await` and with many requests
 * interleaved: the tic puts its start time into the async context (a private
 * AsyncLocalStorage), which the invocation's continuations carry to the toc.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** performance.now() of each open tic. */
type Starts = Map<number, number[]>;

export class InvocationTimers {
  // Created on the first tic: an AsyncLocalStorage in use has a cost for every promise.
  private storage: AsyncLocalStorage<Starts> | undefined;

  start(pair: number): void {
    this.storage ??= new AsyncLocalStorage<Starts>();
    const starts: Starts = new Map(this.storage.getStore());
    // Copied, so sibling invocations never see each other's starts; a stack, for recursion.
    starts.set(pair, [...(starts.get(pair) ?? []), performance.now()]);
    this.storage.enterWith(starts);
  }

  /** Seconds since the matching tic, or undefined when this invocation had none. */
  stop(pair: number): number | undefined {
    const started = this.storage?.getStore()?.get(pair)?.pop();
    return started === undefined ? undefined : (performance.now() - started) / 1000;
  }
}
