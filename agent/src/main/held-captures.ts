/**
 * Exception captures of caught errors, held until the error shows it was reported: it reaches a
 * framework's error handler, or is thrown again and not caught. An error the app catches and
 * swallows never does, and its capture is dropped after a while. The captures are keyed by the
 * error object in a WeakMap: nothing is added to the error, so the app cannot see the tag, and a
 * forgotten error is collected as if the agent were not there.
 */
import { HELD_CAPTURES } from '../bridge.js';

interface Held {
  key: number;
  at: number;
  /** Publishes the capture: the span and the snapshot. */
  emit: () => void;
  dropped: boolean;
}

export class HeldCaptures {
  private readonly byError = new WeakMap<object, Held>();
  /** Errors the exception watch saw thrown, or saw at an error handler: a handler never pauses for them. */
  private readonly seen = new WeakSet<object>();
  /**
   * Errors whose capture was published: thrown on again from their handler (`next dev`'s API
   * resolver throws a route's error on to its server, which logs it; Astro 7's dev server logs a
   * page's error, then throws it again for its error overlay), they are the error reported.
   */
  private readonly published = new WeakSet<object>();
  /** Oldest first: what bounds how many are held, since a WeakMap cannot be counted. */
  private readonly order: Held[] = [];

  /**
   * The key of the capture held for `error`, 0 when one was published for it already, or -1: a
   * rethrown error keeps its first throw site, and a reported one thrown on is not captured again.
   */
  keyOf(error: unknown): number {
    if (isObject(error) && this.published.has(error)) return 0;
    const held = isObject(error) ? this.byError.get(error) : undefined;
    return held === undefined || held.dropped ? -1 : held.key;
  }

  /** Marks `error` as seen; true the first time. */
  see(error: unknown): boolean {
    if (!isObject(error) || this.seen.has(error)) return false;
    this.seen.add(error);
    return true;
  }

  hold(error: object, key: number, now: number, emit: () => void): void {
    this.prune(now);
    const held: Held = { key, at: now, emit, dropped: false };
    this.byError.set(error, held);
    this.order.push(held);
    if (this.order.length > HELD_CAPTURES.max) this.order.shift()!.dropped = true;
  }

  /** The error was reported: publish its capture, once. True when there was one. */
  release(error: unknown, now: number): boolean {
    if (!isObject(error)) return false;
    const held = this.byError.get(error);
    if (held === undefined) return false;
    this.byError.delete(error);
    const index = this.order.indexOf(held);
    if (index >= 0) this.order.splice(index, 1);
    if (held.dropped || now - held.at > HELD_CAPTURES.ttlMs) return false;
    held.emit();
    this.published.add(error);
    return true;
  }

  private prune(now: number): void {
    while (this.order.length > 0 && now - this.order[0]!.at > HELD_CAPTURES.ttlMs) this.order.shift()!.dropped = true;
  }
}

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
