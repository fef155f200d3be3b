/**
 * Hits on their way to the worker. A log hit is a few primitives appended to flat arrays (the
 * worker joins the line), and a counter hit is one addition: cloning an object per hit for postMessage cost more than the
 * hit itself, and one message per request woke the worker (and its core) at the request rate.
 * Hits leave every HIT_FLUSH_MS, or sooner when a batch fills; anything else (a snapshot, a
 * pause, a finished probe) leaves at the end of the current synchronous run, behind the hits
 * batched before it, so the worker sees a probe's hits before the news that it finished.
 */
import {
  type PackedCounts,
  type PackedLogs,
  type PackedSampled,
  type PackedValues,
  SAMPLED_LIMITS,
  type SampledLimitIndex,
  type ToWorker,
} from '../bridge.js';
import { LogSegments, type Segment } from './log-segments.js';
import { EMITTED, headerOf, NOT_LIVE, writeHeader } from '../log-header.js';
import { clearTimer, enqueueMicrotask, setTimer } from './builtins.js';
import { forgetPlainObject } from './safe-read.js';

/** In place of a placeholder's value: its text is the next of the batch's texts. */
export const TEXT_FOLLOWS = Number.NaN;

/** The smallest buffer a batch starts with for log numbers; it doubles as hits need. */
const MIN_NUMBERS = 256;

/**
 * The largest buffer of its own a batch starts with: a full batch and one long line fit, and it
 * stays under 128 KiB, past which the allocator maps fresh pages (a page fault each) for every
 * batch.
 */
const MAX_NUMBERS = 8192 + 1024;
/**
 * A shared segment's size: a full batch of SHARED_PACKED and one long line fit. Allocated once
 * and never freed, it may be larger than a batch's own buffer; its pages are touched only as
 * lines fill them.
 */
const SEGMENT_NUMBERS = 32768 + 1024;
/** Before a batch's first log hit: no buffer yet (`room` takes one). */
const NO_NUMBERS = new Float64Array(0);

/**
 * How long a hit may wait for company before it goes to the worker. Each batch costs a
 * postMessage on the app's thread and a wake-up of the worker (which, on a busy core, runs in
 * the app's place and leaves it cold caches): at 20 ms, on a service logging every request,
 * that cost per batch came to more than a record's export (docs/BENCHMARKS.md, every-request
 * logging). A line reaches the live stream and OpenTelemetry at most this much later.
 */
export const HIT_FLUSH_MS = 100;
/** A batch this large (log numbers, or values) leaves at once, so a long synchronous loop keeps memory bounded. */
const MAX_PACKED = 8192;
/**
 * …and one whose log numbers are in a shared segment, this large: each batch wakes the worker,
 * which cost the app's thread ~11 µs where the worker slept (~1.7 µs where it was running; its
 * thread on the other core woken by the kernel), ~20 ns a hit of a hot loop at MAX_PACKED
 * (docs/BENCHMARKS.md, hit12).
 */
const SHARED_PACKED = 32768;

/** A template that writes its line's values into a batch itself: CompiledTemplate. */
export interface PackingTemplate {
  readonly id: number;
  readonly pieces: readonly string[];
  pack(
    values: unknown[],
    self: unknown,
    numbers: Float64Array<ArrayBufferLike>,
    at: number,
    texts: string[],
    measure: boolean,
    slots?: Int32Array,
  ): number;
}

export interface TraceIds {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** A line's flags but IN_TRACE. `emitted`: the worker need not export it; `live`: it goes to the live stream. */
export function lineFlags(emitted: boolean, live: boolean): number {
  return (emitted ? EMITTED : 0) | (live ? 0 : NOT_LIVE);
}

export class HitBatch {
  /**
   * The log hits' numbers, written in place: a segment of memory shared with the worker, or,
   * without one (an attach, where batches cross as JSON; the worker holding every segment), a
   * buffer of the batch's own, handed over to the worker (no copy, where an array of numbers is
   * cloned value by value), sized for what the last batch needed.
   */
  private numbers: Float64Array<ArrayBufferLike> = NO_NUMBERS;
  /** The shared segment `numbers` is, if it is one. */
  private segment: Segment | undefined;
  private readonly segments: LogSegments | undefined;
  /** The size of the next batch's own buffer. */
  private nextSize = MIN_NUMBERS;
  /** Log numbers at which the batch leaves: more in a shared segment than in a buffer of its own. */
  private packedLimit = MAX_PACKED;
  private used = 0;
  private texts: string[] = [];
  private formats: PackedLogs['formats'] = [];
  /** Templates whose pieces this batch carries: each batch carries those it uses, so it reads on its own. */
  private known = new Set<number>();
  /** The template of the batch's last line (0: none yet). */
  private lastFormat = 0;
  /** Where the line packedLine wrote starts, in `numbers` and in `texts`, until it is kept or refused. */
  private lineStart = 0;
  private lineTexts = 0;
  /** Counter hits by key (keys are small integers the worker hands out in order), and the keys counted since the last batch. */
  private counts = new Float64Array(64);
  private counted: number[] = [];
  /** Sampled hits by key and limit, as one number: key × SAMPLED_LIMITS.length + the limit's index. */
  private sampledOut = new Map<number, number>();
  private values: PackedValues['hits'] = [];
  private messages: ToWorker[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Batches sent so far: what the hook looks up once a batch (whether the app has a logs SDK) it looks up again when this changes. */
  sent = 0;
  private microtask = false;

  /**
   * `transfer`: buffers the batch hands over rather than copies (the log numbers'). `shared`:
   * the receiver is a worker thread of this process, which can read shared memory.
   */
  constructor(
    private readonly send: (batch: ToWorker[], transfer: ArrayBuffer[]) => void,
    shared = false,
  ) {
    this.segments = shared ? new LogSegments(SEGMENT_NUMBERS) : undefined;
  }

  /** A line formatted here. `emitted`: the worker need not export it; `live`: it goes to the live stream. */
  log(key: number, time: number, message: string, emitted: boolean, live: boolean, trace: TraceIds | undefined): void {
    this.reserve(5);
    this.header(headerOf(0, key, lineFlags(emitted, live)), 0, key, time, trace);
    this.texts.push(message);
    this.hitAdded(this.used, this.packedLimit);
  }

  /**
   * A line whose template writes its placeholders' values straight into the batch
   * (CompiledTemplate.pack), with no array in between. Written, not yet kept: `kept` or
   * `refused` comes next (the byte quota's answer), before anything else writes to the batch.
   * `head`: the action's header for the template (headerOf, with lineFlags). Returns the line's
   * length when `measure` (0 otherwise). `slots`: `values` is a prepared site's pass (site-slots.ts).
   */
  packedLine(
    template: PackingTemplate,
    values: unknown[],
    self: unknown,
    key: number,
    head: number,
    time: number,
    trace: TraceIds | undefined,
    measure: boolean,
    slots?: Int32Array,
  ): number {
    this.uses(template);
    // Read before `pack`: after a call V8 checks and loads the template's fields again.
    const placeholders = template.pieces.length - 1;
    this.reserve(5 + placeholders);
    this.lineStart = this.used;
    this.lineTexts = this.texts.length;
    this.header(head, template.id, key, time, trace);
    const length = template.pack(values, self, this.numbers, this.used, this.texts, measure, slots);
    this.used += placeholders;
    return length;
  }

  /** The line packedLine wrote stays. */
  kept(): void {
    this.hitAdded(this.used, this.packedLimit);
  }

  /** The line packedLine wrote is taken back out (over the byte quota). */
  refused(): void {
    this.used = this.lineStart;
    this.texts.length = this.lineTexts;
  }

  /** The batch carries the pieces of `template`, which a line of it is about to use. */
  private uses(template: { id: number; pieces: readonly string[] }): void {
    // Most batches carry one template: the last one's id spares the set a lookup per hit.
    if (template.id === this.lastFormat) return;
    this.lastFormat = template.id;
    if (this.known.has(template.id)) return;
    this.known.add(template.id);
    this.formats.push([template.id, template.pieces as string[]]);
  }

  /** Room in `numbers` for `count` more. */
  private reserve(count: number): void {
    while (this.used + count > this.numbers.length) this.room();
  }

  private room(): void {
    if (this.used === 0 && this.numbers.length === 0) {
      this.segment = this.segments?.take();
      this.numbers = this.segment?.numbers ?? new Float64Array(this.nextSize);
      this.packedLimit = this.segment === undefined ? MAX_PACKED : SHARED_PACKED;
      return;
    }
    // A line with many placeholders overflows the batch it would close: room for it, once.
    const numbers = new Float64Array(this.numbers.length * 2);
    numbers.set(this.numbers);
    this.numbers = numbers;
    if (this.segment === undefined) return;
    this.segments!.giveBack(this.segment);
    this.segment = undefined;
    this.packedLimit = MAX_PACKED;
  }

  private header(head: number, format: number, key: number, time: number, trace: TraceIds | undefined): void {
    const numbers = this.numbers;
    const at = writeHeader(numbers, this.used, head, format, key, trace !== undefined);
    numbers[at] = time;
    this.used = at + 1;
    if (trace === undefined) return;
    numbers[this.used++] = trace.traceFlags;
    this.texts.push(trace.traceId, trace.spanId);
  }

  count(key: number): void {
    if (key >= this.counts.length) this.grow(key);
    // The first count of a key in a batch lists it and makes sure the batch will leave.
    const before = this.counts[key]!;
    this.counts[key] = before + 1;
    if (before !== 0) return;
    this.counted.push(key);
    this.hitAdded(0);
  }

  private grow(key: number): void {
    const counts = new Float64Array(key < this.counts.length * 2 ? this.counts.length * 2 : key + 1);
    counts.set(this.counts);
    this.counts = counts;
  }

  /** True when nothing is waiting to leave: the next hit starts a batch. */
  get idle(): boolean {
    return this.timer === undefined && !this.microtask;
  }

  /** A hit over a limit: counted, not captured. */
  sampled(key: number, limit: SampledLimitIndex): void {
    const slot = key * SAMPLED_LIMITS.length + limit;
    this.sampledOut.set(slot, (this.sampledOut.get(slot) ?? 0) + 1);
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
    enqueueMicrotask(this.flush);
  }

  readonly flush = (): void => {
    this.microtask = false;
    forgetPlainObject();
    if (this.timer !== undefined) {
      clearTimer(this.timer);
      this.timer = undefined;
    }
    const batch: ToWorker[] = [];
    const transfer: ArrayBuffer[] = [];
    if (this.used > 0) {
      const numbers = this.numbers.subarray(0, this.used);
      const segment = this.segment;
      if (segment === undefined) transfer.push(numbers.buffer as ArrayBuffer);
      batch.push({ t: 'logs', numbers, texts: this.texts, formats: this.formats, ...(segment && { release: segment.release }) });
      // Not Math.min/max: the app may have replaced them.
      this.nextSize = this.used * 2 > MIN_NUMBERS ? (this.used * 2 < MAX_NUMBERS ? this.used * 2 : MAX_NUMBERS) : MIN_NUMBERS;
      this.numbers = NO_NUMBERS;
      this.segment = undefined;
    }
    if (this.counted.length > 0) batch.push({ t: 'counts', hits: this.takeCounts() } satisfies PackedCounts);
    if (this.sampledOut.size > 0) batch.push({ t: 'sampled', hits: this.takeSampled() } satisfies PackedSampled);
    if (this.values.length > 0) batch.push({ t: 'values', hits: this.values });
    batch.push(...this.messages);
    if (batch.length === 0) return;
    this.used = 0;
    this.texts = [];
    this.formats = [];
    this.known = new Set();
    this.lastFormat = 0;
    this.sampledOut = new Map();
    this.values = [];
    this.messages = [];
    this.sent++;
    this.send(batch, transfer);
  };

  /** The sampled hits as PackedSampled's triples. */
  private takeSampled(): number[] {
    const hits: number[] = [];
    const limits = SAMPLED_LIMITS.length;
    // Not Math.floor: the app may have replaced it.
    for (const [slot, count] of this.sampledOut) hits.push((slot - (slot % limits)) / limits, slot % limits, count);
    return hits;
  }

  private takeCounts(): number[] {
    const hits: number[] = [];
    for (const key of this.counted) {
      hits.push(key, this.counts[key]!);
      this.counts[key] = 0;
    }
    this.counted = [];
    return hits;
  }

  /** `packed`: numbers or values in the batch, which leaves at once from `limit` on. */
  private hitAdded(packed: number, limit = MAX_PACKED): void {
    if (packed >= limit) return this.flush();
    if (this.timer !== undefined || this.microtask) return;
    this.timer = setTimer(this.flush, HIT_FLUSH_MS);
    // In Node the batch must not keep the app alive; a browser page's timer has no unref.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
