/**
 * Hits on their way to the worker. A hit is a few primitives appended to a flat array, and a
 * counter hit is one addition: cloning an object per hit for postMessage cost more than the
 * hit itself, and one message per request woke the worker (and its core) at the request rate.
 * Hits leave every HIT_FLUSH_MS, or sooner when a batch fills; anything else (a snapshot, a
 * pause, a finished probe) leaves at the end of the current synchronous run, behind the hits
 * batched before it, so the worker sees a probe's hits before the news that it finished.
 */
import type { PackedCounts, PackedLogs, PackedValues, ToWorker } from '../bridge.js';

/** How long a hit may wait for company before it goes to the worker. */
export const HIT_FLUSH_MS = 20;
/** A batch this large leaves at once, so a long synchronous loop keeps memory bounded. */
const MAX_PACKED = 4096;

export interface TraceIds {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

export class HitBatch {
  private logs: PackedLogs['hits'] = [];
  private counts = new Map<number, number>();
  private values: PackedValues['hits'] = [];
  private messages: ToWorker[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private microtask = false;

  constructor(private readonly send: (batch: ToWorker[]) => void) {}

  /** `emitted`: the worker need not export it; `live`: it goes to the live stream. */
  log(key: number, time: number, message: string, emitted: boolean, live: boolean, trace: TraceIds | undefined): void {
    // One slot for both flags keeps seven values a hit: bit 1 emitted, bit 2 kept off the live stream.
    const flags = (emitted ? 1 : 0) | (live ? 0 : 2);
    if (trace === undefined) this.logs.push(key, time, message, flags, null, null, null);
    else this.logs.push(key, time, message, flags, trace.traceId, trace.spanId, trace.traceFlags);
    this.hitAdded(this.logs.length);
  }

  count(key: number): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.hitAdded(0);
  }

  value(key: number, value: number): void {
    this.values.push(key, value);
    this.hitAdded(this.values.length);
  }

  /** Anything that is not a packed hit; it leaves with this synchronous run's batch. */
  message(message: ToWorker): void {
    this.messages.push(message);
    if (this.microtask) return;
    this.microtask = true;
    queueMicrotask(this.flush);
  }

  readonly flush = (): void => {
    this.microtask = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch: ToWorker[] = [];
    if (this.logs.length > 0) batch.push({ t: 'logs', hits: this.logs });
    if (this.counts.size > 0) batch.push({ t: 'counts', hits: [...this.counts].flat() } satisfies PackedCounts);
    if (this.values.length > 0) batch.push({ t: 'values', hits: this.values });
    batch.push(...this.messages);
    if (batch.length === 0) return;
    this.logs = [];
    this.counts = new Map();
    this.values = [];
    this.messages = [];
    this.send(batch);
  };

  private hitAdded(packed: number): void {
    if (packed >= MAX_PACKED) return this.flush();
    if (this.timer !== undefined || this.microtask) return;
    this.timer = setTimeout(this.flush, HIT_FLUSH_MS);
    // In Node the batch must not keep the app alive; a browser page's timer has no unref.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
