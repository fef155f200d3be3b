/**
 * The main-thread side of a probe: breakpoint conditions call `hit`, which evaluates the
 * action's condition and template on the captured values, emits, and hands off to the worker.
 * Nothing here may throw into the application or keep its event loop alive.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { fileURLToPath } from 'node:url';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { LogAttributes } from '@opentelemetry/api-logs';
import type { LogLevel, LogOutput, OuterFrame } from '@liveprobe/protocol';
import {
  type ArmProbe,
  type DutyCycle,
  type HookSettings,
  OVER_BYTES,
  OVER_CPU,
  OVER_RATE,
  type SampledLimitIndex,
  type ToMain,
  type ToWorker,
} from '../bridge.js';
import { activeSpanContext, loadApiForSdk, spansPossible, type AppOtel } from './app-otel.js';
import type { AppOutput, LineFields } from './app-output.js';
import {
  compileExpression,
  compileTemplate,
  NOT_AVAILABLE,
  NOT_INITIALISED,
  type Compiled,
  type CompiledTemplate,
  type Frame,
  type TextOptions,
} from './compile.js';
import { LEFT_BLOCK } from './frame-markers.js';
import { guardGlobal, readGlobal } from './global-read.js';
import { Redaction } from './redaction.js';
import { renderValue } from './serialize.js';
import { DEFAULT_CAPTURE_LIMITS } from '../settings/capture-settings.js';
import { captureSnapshot, compileSnapshot, type CompiledSnapshot } from './snapshot-capture.js';
import { InvocationTimers } from './invocation-timers.js';
import { BreakCalibration } from './break-calibration.js';
import { CpuBudget, RateLimit } from './quota.js';
import { DEFAULT_QUOTAS, type QuotaSettings } from '../settings/quota-settings.js';
import { compileMetric, metricAttributes, metricValue, type CompiledMetric } from './metric-point.js';
import { HitBatch, lineFlags } from './hit-batch.js';
import { headerOf } from '../log-header.js';
import { LineClock } from './line-clock.js';
import { HeldCaptures } from './held-captures.js';
import { PreparedExceptions } from './prepared-exceptions.js';
import { SamplingWindow } from './sampling-window.js';
import { sampleRate, windowClose } from './breakpoint-sampling.js';
import type { CapturedSnapshot } from '../bridge.js';
import { dateNow, monotonicNow, TIME_ORIGIN } from './builtins.js';
import { uniqueHex } from '../unique-id.js';
import { isPlainCounter } from '../locate/plain-counter.js';
import { RaiseReruns } from './raise-reruns.js';
import { ThrowReruns, type ThrowRun } from './throw-reruns.js';
import { slotValues } from './site-slots.js';

/** The agent's own files: their frames are left out of snapshot stacks. */
const AGENT_DIR = fileURLToPath(new URL('..', import.meta.url));
const MAX_SUMMARY_LENGTH = 1000;

const NO_VALUES: unknown[] = [];

/** A plain counter reads the clock (for its expiry) at least once in this many hits. */
const CLOCK_EVERY_HITS = 1024;
/**
 * The most a line's credit reaches (ArmedProbe.creditUntil): V8's largest small integer, so the
 * field holds one and the hit compares two integers rather than loading a boxed double.
 */
const MAX_CREDIT = 2 ** 30 - 1;
/** The least a counter hit is charged, in µs: a clock that reads the same twice must not make counters free. */
const MIN_COUNT_COST_US = 0.01;

/** How often one probe may report evaluation errors; the rest are counted into the next report. */
const ERROR_REPORT_INTERVAL_MS = 5000;
/**
 * The most a probe's first hit is charged to the CPU budget, in µs. That hit pays one-time costs
 * (V8 compiling the hook's path and the action's expressions, a module loaded through the app's
 * require hooks): taken whole, one of them spent the budget of 50 ms per second on Node 22 with
 * an OpenTelemetry SDK, and the next hits within the second were dropped as sampled. A fiftieth
 * of the default budget: a fresh action's first hit leaves the rest of the second to its next.
 */
const FIRST_HIT_CHARGE_US = 1000;
/** A duty cycle's bound as the limit its window's closed hits were over. */
const OVER_BOUND: Record<DutyCycle['bound'], SampledLimitIndex> = { rate: OVER_RATE, bytes: OVER_BYTES, cpu: OVER_CPU };

interface ArmedProbe {
  key: number;
  /** What it was armed with: compiled again when the agent's settings change. */
  spec: ArmProbe;
  level: LogLevel;
  condition: Compiled | undefined;
  conditionSource: string | undefined;
  /** Set for log actions. */
  format: CompiledTemplate | undefined;
  /** Set for snapshot actions. */
  snapshot: CompiledSnapshot | undefined;
  /** Set for metric actions (counter, tictoc, duration, metric). */
  metric: CompiledMetric | undefined;
  /** A counter with no condition and no attributes: on a prepared site its hit is one addition (`count`). */
  plainCount: boolean;
  /** A log action: its hit measures nothing, so its time may be a shared reading (LineClock). */
  lineOnly: boolean;
  /** Where its log lines go, read from `outputs` once rather than at every hit. */
  to: { otel: boolean; live: boolean; logger: boolean; console: boolean };
  /** A log action's line header in a batch (log-header.ts), fixed by its template, key and `to`. */
  head: number;
  /**
   * Its lines on a prepared site go into the batch for the worker alone (not to the app's console
   * or logger, and to OpenTelemetry or the live stream), unless the app's own logs SDK takes them.
   */
  packs: boolean;
  location: string;
  maxHits: number;
  expiresAt: number;
  hits: number;
  /**
   * The credit of a prepared site's log line: while `hits` is below it, a hit is none of the
   * cases the checks on the way to the line look for (done, paused, a CPU budget, a sampling rate,
   * a condition, a binding in its TDZ) and takes `creditedLine`, which tests expiry and the hit
   * limit alone. `maxHits` (at most MAX_CREDIT) while all of those are clear, -1 otherwise; set
   * again by `refillCredit` whenever one of them changes. A line past MAX_CREDIT hits takes lineHit.
   */
  creditUntil: number;
  /** Its first hit ran (and was charged at most FIRST_HIT_CHARGE_US): the next are charged in full. */
  warm: boolean;
  done: boolean;
  /** Over a quota: its breakpoints are leaving V8; the worker resumes it. */
  paused: boolean;
  /** On a breakpoint: the current window, what it let through and measured (sampling-window.ts). */
  window: SamplingWindow | undefined;
  /** Breakpoint hits since its window closed: not captured, but each cost a break. */
  closedHits: number;
  /** The limit that closed its last window: its closed hits are counted as sampled over it. */
  closedBy: SampledLimitIndex;
  /** Its window closed at `at` (monotonicNow()): the worker sets the breakpoint again `offMs` later, for `allow` hits. */
  reopens: { at: number; offMs: number; allow: number } | undefined;
  /** Windows a hit opened before their 'resume' news came: that news is then old, and ignored. */
  openedEarly: number;
  hitRate: RateLimit;
  byteRate: RateLimit;
  /** Log and snapshot actions: on a prepared site, the hits beyond this rate are counted, not captured. */
  sample: RateLimit | undefined;
  attributes: LogAttributes;
  pendingErrors: number;
  lastErrorReport: number;
  lastError: string;
  /** Indexes in `roots` of the bindings in their temporal dead zone at the line. */
  uninitialised: number[] | undefined;
}

export class ProbeHook {
  /** Breakpoint conditions put this in place of a variable V8 did not keep. */
  readonly NA = NOT_AVAILABLE;
  /** …and this in place of a binding in its temporal dead zone at the breakpoint (V8 would read it as undefined). */
  readonly NI = NOT_INITIALISED;
  /** …and this in place of a block's binding V8 no longer showed on a `return` leaving the block. */
  readonly LB = LEFT_BLOCK;
  /** Breakpoint conditions read a name the probed file does not bind with this: a global getter does not run. */
  readonly global = readGlobal;
  /** For a file the agent could not analyse: whether reading the name could run a global getter. */
  readonly guard = guardGlobal;
  private readonly probes = new Map<number, ArmedProbe>();
  private readonly throwReruns = new ThrowReruns();
  private readonly raiseReruns = new RaiseReruns(this.throwReruns);
  /**
   * Whether V8 runs a statement's breakpoint conditions again at every thrown error: a condition
   * reads it before it reads whether its statement's callee is a function (raise-reruns.ts).
   */
  everyThrow = false;
  /** The probe of the last hit: a hot line hits the same probe again and again (cleared when probes change). */
  private last: ArmedProbe | undefined;
  /** Whether any probe was ever armed: only then can output be on its way at exit. */
  private armedAny = false;
  private agentId = '';
  private readonly timers = new InvocationTimers();
  private readonly lineClock = new LineClock();
  private readonly calibration = new BreakCalibration();
  private readonly batch: HitBatch;
  /**
   * Whether the app's own logs SDK takes records, and whether a span can be active at all (a
   * context manager is registered), as of the first log hit since the batch numbered
   * `logsCheckedIn` left: globals the app sets once, looked up once a batch.
   */
  private appTakesLogs = false;
  private appHasSpans = true;
  private logsCheckedIn = -1;
  /** What a hit's expressions read (`timedHit`, `lineHit`), reused hit after hit; undefined while a hit uses it. */
  private frame: Frame | undefined = { values: NO_VALUES, self: undefined };
  /** Counter hits since the clock was last read (see `count`). */
  private unclocked = 0;
  /** The time of the current hit, or of the last that read the clock: a counter's expiry reads it; `log` stamps its line with it. */
  private clock = 0;
  /** What a counter hit that reads the clock costs, at least (see `clockedCount`), in µs. */
  private countCostUs = Number.POSITIVE_INFINITY;
  private quotas: QuotaSettings = DEFAULT_QUOTAS;
  /** The agent's default for log actions that name no outputs; `init` sets it. */
  private logOutputs: readonly LogOutput[] = ['otel', 'live'];
  private cpu = new CpuBudget(DEFAULT_QUOTAS);
  /** Capture limits and redaction from the agent's own configuration; set by `init`, before any `arm`. */
  private text: TextOptions = { limits: DEFAULT_CAPTURE_LIMITS };
  /** Exception captures of caught errors, waiting for their error to be reported. */
  private readonly held = new HeldCaptures();
  /** The exception capture about to run whose error was caught: it is held, not published. */
  private holding: { key: number; error: object } | undefined;
  /** Callers' values captured for an exception capture that has not run yet, by its key. */
  private readonly callers = new Map<number, OuterFrame[]>();
  /** Exception actions on prepared files: captured here, at their exception sites. */
  private readonly exceptions = new PreparedExceptions(
    this.held,
    () => this.text,
    AGENT_DIR,
    (hit) => {
      this.exceptionsPublished = true;
      this.post(hit);
      // Published on the way to an exit, or in the middle of a request: no timer should delay it.
      this.batch.flush();
    },
  );
  private exceptionsPublished = false;

  constructor(
    private readonly port: MessagePort,
    private readonly otel: AppOtel,
    /** The app's console and logger; absent in a remote target (attach), where log lines go to OpenTelemetry and the live stream. */
    private readonly appOutput?: AppOutput,
    /** `port` leads to a worker thread of this process: log hits are written into memory it shares. */
    sharedWithWorker = false,
  ) {
    port.on('message', (message: ToMain) => this.receive(message));
    this.batch = new HitBatch((batch, transfer) => {
      try {
        port.postMessage(batch, transfer);
      } catch {
        // A closed port (the agent stopped) must not surface in the app.
      }
    }, sharedWithWorker);
    // Metric actions go through the app's MeterProvider once LiveprobeInstrumentation has a collecting one.
    otel.watchMeterProvider((usable) => this.post({ t: 'app-meter', usable }));
  }

  /**
   * The exception watch, while the app is paused on a caught error, before capturing it: hold
   * the capture `key` until `error` is reported.
   */
  hold(key: number, error: unknown): void {
    if ((typeof error === 'object' && error !== null) || typeof error === 'function') this.holding = { key, error };
  }

  /** The key of the capture held for `error`, 0 when it was published already, or -1; from now on a framework's handler knows it was thrown. */
  heldKey(error: unknown): number {
    this.held.see(error);
    return this.held.keyOf(error);
  }

  /** `error` was thrown again uncaught: publish its held capture, if any. */
  reached(error: unknown): boolean {
    try {
      return this.held.release(error, dateNow());
    } catch {
      return false;
    }
  }

  /**
   * `error` reached a framework's error handler (a breakpoint condition there calls this):
   * publish its held capture, if any. True, to pause there, for an error the agent never saw
   * thrown (`next(new Error(…))`), the first time: the caller's frame is its only site.
   */
  atErrorHandler(error: unknown): boolean {
    try {
      return !this.held.release(error, dateNow()) && this.held.see(error);
    } catch {
      return false;
    }
  }

  get exceptionFlag(): Uint8Array {
    return this.exceptions.flag;
  }

  thrown(file: string, at: 'throw' | 'catch', error: unknown, pass: unknown[], start: number): void {
    this.exceptions.seen(file, at, error, pass, start);
  }

  exceptionsAlwaysOn(): void {
    this.exceptions.alwaysOn();
  }

  /**
   * A breakpoint's hit on a `throw` statement: V8 runs its condition again at the throw while the
   * exception watch pauses at every thrown error (throw-reruns.ts). True for that run, which is
   * no hit: the condition's true keeps V8 from muting the exception pause.
   */
  throwHit(key: number, values: unknown[], self: unknown): boolean {
    let run: ThrowRun = 'hit';
    try {
      run = this.throwReruns.run(key);
    } catch {
      // As hit(): never into the app.
    }
    return this.ran(run, key, values, self);
  }

  /** Makes the hit of a run that is one (now, or held until the pause that tells); true keeps V8 from muting the exception pause. */
  private ran(run: ThrowRun, key: number, values: unknown[], self: unknown): boolean {
    if (run === 'held') this.throwReruns.hold({ key, values, self });
    else if (run !== 'at-throw') this.hit(key, values, self);
    return run !== 'hit';
  }

  /**
   * A breakpoint's hit on a statement that can throw in its own frame, not a `throw` one: V8 runs
   * its condition again when it throws while the exception watch pauses at thrown errors
   * (raise-reruns.ts). True for that run, which is no hit: the condition's true keeps V8 from
   * muting the exception pause.
   */
  raiseHit(key: number, values: unknown[], self: unknown, uncallable?: boolean): boolean {
    let run: ThrowRun = 'hit';
    try {
      run = this.raiseReruns.run(key, ProbeHook.prototype.raiseHit, uncallable);
    } catch {
      // As hit(): never into the app.
    }
    return this.ran(run, key, values, self);
  }

  /** The exception watch paused at no error and no handler (throw-reruns.ts: a run taken for the throw's paused it, or held runs were hits). */
  throwRunPaused(): void {
    try {
      for (const run of this.throwReruns.paused()) this.hit(run.key, run.values, run.self);
    } catch {
      // As hit(): never into the app.
    }
  }

  /** The exception watch paused at a thrown error: runs held or taken for the throw's (throw-reruns.ts `confirm`, `pairs`) were V8's at that throw. */
  throwRunAtThrow(): void {
    try {
      this.throwReruns.atThrow();
    } catch {
      // As hit(): never into the app.
    }
  }

  /**
   * `prepared`: called by a prepared site, so no breakpoint ran and no inspector memory grew.
   * `slots`: `values` is that site's pass, read in place (HitTarget.readsPass).
   */
  hit(key: number, values: unknown[], self: unknown, prepared = false, slots: Int32Array | undefined = undefined): void {
    try {
      // The rare branches are methods of their own: a smaller hit() leaves V8 room to inline the hot path into a site's.
      // Flags compared `=== true`: V8 does not know a field or argument holds a boolean, and tells
      // `true` from every falsy value one by one (callgrind: ~10 instructions a flag that is set).
      let probe = this.last;
      if (probe?.key !== key) {
        probe = this.armedProbe(key);
        if (probe === undefined) return;
        // Stored only when it changes: a hot line's hits would each pay a store's write barrier.
        this.last = probe;
      }
      // One comparison for the whole of a credited line's state (ArmedProbe.creditUntil).
      if (prepared === true && probe.hits < probe.creditUntil) return this.creditedLine(probe, values, slots, self);
      if (probe.done) return;
      // A log line opens no tic, so its hit has nothing to stamp: it skips the finally below.
      if (prepared === true && probe.lineOnly === true && probe.paused !== true) return this.lineHit(probe, values, slots, self);
      this.stampedHit(probe, slots === undefined ? values : slotValues(values, slots), self, prepared);
    } catch {
      // The promise is that a probe never throws into the app; V8 would swallow it anyway.
    }
  }

  /** hit() for any hit but a prepared site's log line: a tic's, a breakpoint's, a paused action's. */
  private stampedHit(probe: ArmedProbe, values: unknown[], self: unknown, prepared: boolean): void {
    try {
      if (probe.paused && this.stillPaused(probe, values, self, prepared)) return;
      if (prepared === true && probe.plainCount === true) return this.countHit(probe);
      this.timedHit(probe, values, self, prepared);
    } finally {
      // The last step of the hit: a tic's time leaves out all of the agent's work before it.
      this.timers.stamp();
    }
  }

  /** The probe armed with `key`, if any; the worker arms a probe before setting its breakpoint, and the message may still be queued. */
  private armedProbe(key: number): ArmedProbe | undefined {
    const probe = this.probes.get(key);
    if (probe !== undefined) return probe;
    this.drain();
    return this.probes.get(key);
  }

  /**
   * A paused probe's hit: true when it stays paused (a prepared site's hit is dropped, a
   * breakpoint's counted as closed), false when its breakpoint's next window opened now.
   */
  private stillPaused(probe: ArmedProbe, values: unknown[], self: unknown, prepared: boolean): boolean {
    if (prepared) return true;
    if (this.reopened(probe)) return false;
    this.closedHit(probe, values, self);
    return true;
  }

  /** HitTarget.readsPass: a log line with no condition and no binding in its TDZ reads its values where the site passed them. */
  readsPass(key: number): boolean | undefined {
    const probe = this.armedProbe(key);
    if (probe === undefined) return undefined;
    return probe.lineOnly && probe.condition === undefined && probe.uninitialised === undefined;
  }

  /** A prepared site's hit of a plain counter, which reads no value (HitTarget.count). */
  count(key: number): boolean | undefined {
    try {
      // hit()'s lookup, written out: as one method shared with hit(), V8 did not inline it here
      // and a counter hit cost ~70 instructions more (callgrind, scripts/hit-path-loop.mjs).
      let probe = this.last;
      if (probe?.key !== key) {
        probe = this.probes.get(key);
        if (probe === undefined) {
          this.drain();
          probe = this.probes.get(key);
          if (probe === undefined) return undefined;
        }
        if (probe.plainCount !== true) return false;
        this.last = probe;
      } else if (probe.plainCount !== true) return false;
      if (!probe.done && !probe.paused) this.countHit(probe);
    } catch {
      // A probe never throws into the app.
    }
    return true;
  }

  /**
   * A counter on a prepared site: one addition, and the clock only now and then. Reading it
   * costs more than the rest of the hit, so it is read at the first hit after each batch left
   * and at every CLOCK_EVERY_HITS-th: an expired counter stops within one batch interval (the
   * worker's own expiry timer also turns its site off), and the CPU budget is charged, for the
   * hits since the last reading, what a hit that reads the clock costs (an overestimate: it
   * reads the clock twice).
   */
  private countHit(probe: ArmedProbe): void {
    if (++this.unclocked >= CLOCK_EVERY_HITS || this.batch.idle) return this.clockedCount(probe);
    if (this.clock >= probe.expiresAt) return this.finish(probe, 'expired');
    this.countOne(probe);
  }

  private clockedCount(probe: ArmedProbe): void {
    const hits = this.unclocked;
    this.unclocked = 0;
    const startedAt = monotonicNow();
    const now = TIME_ORIGIN + startedAt;
    this.clock = now;
    if (now >= probe.expiresAt) return this.finish(probe, 'expired');
    this.countOne(probe);
    if (this.quotas.cpuMsPerSecond <= 0) return;
    // The cheapest clocked hit so far: one that the OS interrupted would otherwise stand for a
    // thousand. (Not Math.max: the app may have replaced it.)
    const costUs = (monotonicNow() - startedAt) * 1000;
    if (costUs < this.countCostUs) this.countCostUs = costUs > MIN_COUNT_COST_US ? costUs : MIN_COUNT_COST_US;
    if (!this.cpu.spend(this.countCostUs * (hits > 1 ? hits : 1), now) && !probe.done) this.pause(probe, this.overBudget(), OVER_CPU, true);
  }

  private countOne(probe: ArmedProbe): void {
    probe.hits++;
    this.batch.count(probe.key);
    if (probe.hits >= probe.maxHits) this.finish(probe, 'hit_limit');
  }

  /**
   * Hits a COUNT_IN_PLACE site counted for a plain counter: charged MIN_COUNT_COST_US each, what
   * the hook charges a counted hit at least (one in place costs the app's thread less: no call,
   * one addition), so the CPU budget still pauses a counter on a line hot enough.
   */
  private chargeInPlace(key: number, hits: number): void {
    const probe = this.probes.get(key);
    if (probe === undefined || probe.done || probe.paused || this.quotas.cpuMsPerSecond <= 0) return;
    if (!this.cpu.spend(MIN_COUNT_COST_US * hits, TIME_ORIGIN + monotonicNow())) this.pause(probe, this.overBudget(), OVER_CPU, true);
  }

  /**
   * A hit's cost as the CPU budget counts it: in full, but for the probe's first hit (at most
   * FIRST_HIT_CHARGE_US). A line whose every hit is expensive still samples, from its second hit.
   */
  private charged(probe: ArmedProbe, costUs: number): number {
    if (probe.warm) return costUs;
    probe.warm = true;
    // Not Math.min: the app may have replaced it.
    return costUs < FIRST_HIT_CHARGE_US ? costUs : FIRST_HIT_CHARGE_US;
  }

  private overBudget(): string {
    return `paused: the agent spent its CPU budget of ${this.quotas.cpuMsPerSecond} ms per second in probes`;
  }

  /**
   * A log action's hit on a prepared site: what timedHit and run do for it, without the
   * branches of the kinds it is not (a breakpoint's window and hit quota, a metric, a snapshot),
   * V8 compiling the path a hot log line takes apart from theirs. The same checks, in the same
   * order: the CPU budget (over it, the hit is counted as sampled: the site stays on), expiry,
   * the condition, the sampling rate, the hit limit.
   */
  private lineHit(probe: ArmedProbe, values: unknown[], slots: Int32Array | undefined, self: unknown): void {
    const budgeted = this.quotas.cpuMsPerSecond > 0;
    // Without a CPU budget, nothing measures the hit: it may share a reading (LineClock).
    if (budgeted) this.lineClock.exact();
    else this.lineClock.now();
    // Read from the clock's field rather than taken from either call: a number that comes from one
    // of two calls is boxed, a HeapNumber allocated a hit (callgrind, scripts/hit-path-loop.mjs).
    const startedAt = this.lineClock.reading;
    const now = this.lineClock.time;
    this.clock = now;
    if (budgeted && this.cpu.spent(now)) return this.batch.sampled(probe.key, OVER_CPU);
    const uninitialised = probe.uninitialised;
    if (uninitialised !== undefined) {
      // Not the site's pass (readsPass says so): the markers go in a copy.
      if (slots !== undefined) {
        values = slotValues(values, slots);
        slots = undefined;
      }
      for (const index of uninitialised) values[index] = NOT_INITIALISED;
    }
    // Only a condition reads a frame (the template takes the values themselves): a line without
    // one lends none, its stores and try ~70 instructions a hit (callgrind, scripts/hit-path-loop.mjs site-log).
    if (probe.condition === undefined) this.line(probe, values, slots, self, undefined, now);
    else this.conditionalLine(probe, slots === undefined ? values : slotValues(values, slots), self, now);
    // A sampling site is never paused over the budget: its next hits are counted (cpu.spent above).
    if (budgeted) this.cpu.spend(this.charged(probe, (monotonicNow() - startedAt) * 1000), now);
  }

  /**
   * lineHit's line with a condition, which reads the hook's frame: timedHit's lending of it,
   * written out (as methods shared with it, a line hit whose condition fails cost ~80
   * instructions more: callgrind, scripts/hit-path-loop.mjs log-false).
   */
  private conditionalLine(probe: ArmedProbe, values: unknown[], self: unknown, now: number): void {
    const frame = this.frame ?? { values, self };
    this.frame = undefined;
    frame.values = values;
    frame.self = self;
    try {
      this.line(probe, values, undefined, self, frame, now);
    } finally {
      frame.values = NO_VALUES;
      frame.self = undefined;
      this.frame = frame;
    }
  }

  /** run() for lineHit: a log line's checks and the line; `frame`, lent for the condition, only when there is one. */
  private line(
    probe: ArmedProbe,
    values: unknown[],
    slots: Int32Array | undefined,
    self: unknown,
    frame: Frame | undefined,
    now: number,
  ): void {
    if (now >= probe.expiresAt) return this.finish(probe, 'expired');
    if (frame !== undefined && !this.conditionPasses(probe, probe.condition!, frame, now)) return;
    if (probe.sample !== undefined && !probe.sample.take(1, now)) return this.batch.sampled(probe.key, OVER_RATE);
    probe.hits++;
    this.preparedLog(probe, probe.format!, values, slots, self);
    if (probe.hits >= probe.maxHits) this.finish(probe, 'hit_limit');
  }

  /**
   * lineHit for a line on credit (ArmedProbe.creditUntil): no CPU budget and no sampling rate to
   * consult, no condition; the clock for the line's time and expiry, the hit limit after the line.
   */
  private creditedLine(probe: ArmedProbe, values: unknown[], slots: Int32Array | undefined, self: unknown): void {
    this.lineClock.now();
    const now = this.lineClock.time;
    this.clock = now;
    if (now >= probe.expiresAt) return this.finish(probe, 'expired');
    probe.hits++;
    this.preparedLog(probe, probe.format!, values, slots, self);
    // The credit's end comes first: an integer, where maxHits may be a boxed double.
    if (probe.hits >= probe.creditUntil && probe.hits >= probe.maxHits) this.finish(probe, 'hit_limit');
  }

  /**
   * Sets the probe's credit (ArmedProbe.creditUntil) from its state and the agent's quotas: called
   * whenever either changes (armed, compiled, finished, paused, resumed, new settings).
   */
  private refillCredit(probe: ArmedProbe): void {
    const clear =
      probe.lineOnly &&
      !probe.done &&
      !probe.paused &&
      probe.condition === undefined &&
      probe.uninitialised === undefined &&
      this.quotas.cpuMsPerSecond <= 0 &&
      probe.sample?.on !== true;
    // Not Math.min: the app may have replaced it.
    probe.creditUntil = clear ? (probe.maxHits < MAX_CREDIT ? probe.maxHits : MAX_CREDIT) : -1;
  }

  private timedHit(probe: ArmedProbe, values: unknown[], self: unknown, prepared: boolean): void {
    // performance.now(): a number, so the hot path allocates no BigInt (and it exists in every target).
    const startedAt = this.lineClock.exact();
    // The wall clock from the same reading: one clock call per hit when the CPU budget is off.
    const now = TIME_ORIGIN + startedAt;
    this.clock = now;
    // A sampling site over the CPU budget stays on: its hits are counted until the next window.
    const sampling = prepared && probe.sample !== undefined;
    if (sampling && this.cpu.spent(now)) return this.batch.sampled(probe.key, OVER_CPU);
    const window = prepared || probe.spec.calibration === true ? undefined : (probe.window ??= new SamplingWindow(undefined, undefined));
    window?.hit(startedAt);
    // V8 reads a binding in its temporal dead zone as undefined; a prepared site cannot pass it.
    const uninitialised = probe.uninitialised;
    if (uninitialised !== undefined) for (const index of uninitialised) values[index] = NOT_INITIALISED;
    // The hook's one frame, unless a hit inside this one (the app's logger running a probed line) holds it.
    const frame = this.frame ?? { values, self };
    this.frame = undefined;
    frame.values = values;
    frame.self = self;
    try {
      this.run(probe, frame, now, startedAt, prepared);
    } finally {
      // Not holding on to the app's values until the next hit.
      frame.values = NO_VALUES;
      frame.self = undefined;
      this.frame = frame;
    }
    // A prepared hit reads the clock again only for the CPU budget.
    if (probe.spec.calibration === true || (window === undefined && this.quotas.cpuMsPerSecond <= 0)) return;
    const endedAt = monotonicNow();
    // Charged, not measured: a first hit's one-time costs must not size the breakpoint's next windows either.
    const hookUs = this.charged(probe, (endedAt - startedAt) * 1000);
    window?.ended(endedAt, hookUs);
    // Every hit costs, whether or not its condition passed; a breakpoint's own cost comes on top.
    const spentUs = hookUs + (prepared ? 0 : this.quotas.breakpointCostUs);
    if (this.quotas.cpuMsPerSecond > 0 && !this.cpu.spend(spentUs, now) && !probe.done && !sampling)
      return this.pause(probe, this.overBudget(), OVER_CPU, prepared);
    if (window?.spent && !probe.done && !probe.paused) this.closeWindow(probe, window);
  }

  /**
   * A breakpoint hit after its window closed, before V8 let go of the breakpoint (or before the
   * next window's news arrived): not captured, counted as sampled when its condition passes.
   */
  private closedHit(probe: ArmedProbe, values: unknown[], self: unknown): void {
    probe.closedHits++;
    if (this.quotas.cpuMsPerSecond > 0) this.cpu.spend(this.quotas.breakpointCostUs, TIME_ORIGIN + monotonicNow());
    const uninitialised = probe.uninitialised;
    if (uninitialised !== undefined) for (const index of uninitialised) values[index] = NOT_INITIALISED;
    if (probe.condition === undefined || probe.condition({ values, self })) this.batch.sampled(probe.key, probe.closedBy);
  }

  private run(probe: ArmedProbe, frame: Frame, now: number, startedAt: number, prepared: boolean): void {
    if (now >= probe.expiresAt) return this.finish(probe, 'expired');
    // The hit quota stands for a breakpoint's ~200 µs; a prepared hit's own time counts in the CPU
    // budget. Once a breakpoint samples, its window's allowance takes the quota's place.
    if (!prepared && probe.window?.allow === undefined && !probe.hitRate.take(1, now)) {
      return this.pause(
        probe,
        `paused due to high call rate: over the quota of ${this.quotas.hitsPerSecond} hits per second`,
        OVER_RATE,
        false,
      );
    }
    if (probe.condition !== undefined && !this.conditionPasses(probe, probe.condition, frame, now)) return;
    if (probe.window !== undefined && !prepared) probe.window.passed++;
    if (probe.metric?.role === 'tic') {
      // A tic is half a measurement: the toc counts the hit.
      this.timers.start(probe.metric.pair, probe.metric.at);
      return;
    }
    if (probe.metric !== undefined) {
      if (!this.metric(probe, probe.metric, frame, now, startedAt, prepared)) return;
    }
    // A prepared site costs nanoseconds a hit: over its rate it stays on, and the hit is only counted.
    if (prepared && probe.sample !== undefined && !probe.sample.take(1, now)) return this.batch.sampled(probe.key, OVER_RATE);
    probe.hits++;
    if (probe.snapshot !== undefined) this.snapshot(probe, probe.snapshot, frame, now, startedAt, prepared);
    else if (probe.format !== undefined) this.log(probe, probe.format, frame.values, frame.self, prepared);
    if (probe.hits >= probe.maxHits) this.finish(probe, 'hit_limit');
  }

  /** Whether the probe's condition holds for `frame`; one that throws fails, and its error is reported. */
  private conditionPasses(probe: ArmedProbe, condition: Compiled, frame: Frame, now: number): boolean {
    try {
      if (condition(frame)) return true;
    } catch (err) {
      this.evalError(probe, `condition \`${probe.conditionSource}\`: ${errorMessage(err)}`, now);
    }
    return false;
  }

  /** Output bytes count against the action's quota; the output that crosses it is dropped (counted as sampled on a prepared site). */
  private spendBytes(probe: ArmedProbe, bytes: number, now: number, prepared: boolean): boolean {
    if (this.bytesFit(probe, bytes, now, prepared)) return true;
    this.overBytes(probe, prepared);
    return false;
  }

  /** Takes `bytes` from the probe's byte quota (a breakpoint's window counts them too): false over it. */
  private bytesFit(probe: ArmedProbe, bytes: number, now: number, prepared: boolean): boolean {
    if (!prepared && probe.window !== undefined) probe.window.bytes += bytes;
    return probe.byteRate.take(bytes, now);
  }

  /** Over the byte quota: a prepared site's hit is counted as sampled, a breakpoint pauses (and sends the batch). */
  private overBytes(probe: ArmedProbe, prepared: boolean): void {
    if (prepared) return this.batch.sampled(probe.key, OVER_BYTES);
    this.pause(probe, `paused: its output is over the quota of ${this.quotas.bytesPerSecond} bytes per second`, OVER_BYTES, false);
  }

  /** Over a quota: a prepared site is switched off for a while; a breakpoint samples (its window closes). */
  private pause(probe: ArmedProbe, reason: string, limit: SampledLimitIndex, prepared: boolean): void {
    if (!prepared && probe.window !== undefined) return this.closeWindow(probe, probe.window, { reason, limit });
    probe.paused = true;
    probe.creditUntil = -1;
    this.post({ t: 'paused', key: probe.key, reason });
  }

  /**
   * The breakpoint's window is spent (or a quota ran out in it): it leaves V8 for as long as
   * the duty cycle says, then comes back for a window of as many hits as the limits allow.
   */
  private closeWindow(probe: ArmedProbe, window: SamplingWindow, over?: { reason: string; limit: SampledLimitIndex }): void {
    probe.paused = true;
    probe.creditUntil = -1;
    let sampling = 0;
    for (const other of this.probes.values()) if (other === probe || other.window?.allow !== undefined) sampling++;
    const closed = windowClose(window.reading(), probe.spec, this.quotas, sampling, over?.reason);
    const { cycle } = closed;
    probe.closedBy = over?.limit ?? (cycle === undefined ? OVER_RATE : OVER_BOUND[cycle.bound]);
    probe.reopens = cycle === undefined ? undefined : { at: monotonicNow(), offMs: cycle.offMs, allow: cycle.allow };
    this.post({ t: 'paused', key: probe.key, ...closed });
    // Now, not at the end of this synchronous run: V8 lets go of the breakpoint as soon as the
    // worker asks, even in the middle of a long loop, and every hit until then costs a break.
    this.batch.flush();
  }

  /**
   * A hit on a closed window's breakpoint after the cycle's time out: the worker has set it again,
   * so the next window opens now. Its 'resume' news may wait behind a long synchronous run (V8
   * sets the breakpoint at once, in the middle of it), and a window that waited for the news
   * would count the whole run as closed hits.
   */
  private reopened(probe: ArmedProbe): boolean {
    const reopens = probe.reopens;
    if (reopens === undefined || monotonicNow() - reopens.at < reopens.offMs) return false;
    this.openWindow(probe, reopens.allow);
    probe.openedEarly++;
    return true;
  }

  private openWindow(probe: ArmedProbe, allow: number): void {
    probe.paused = false;
    probe.reopens = undefined;
    probe.window = new SamplingWindow(allow, monotonicNow(), probe.closedHits);
    probe.closedHits = 0;
    this.refillCredit(probe);
  }

  /**
   * log() for a prepared site's line, its usual case apart (`packs`: straight into the batch),
   * its outputs tested once when the action is armed rather than at each hit (callgrind,
   * scripts/hit-path-loop.mjs site-log: ~14 instructions a hit). V8 does not inline it into hit().
   */
  private preparedLog(probe: ArmedProbe, format: CompiledTemplate, values: unknown[], slots: Int32Array | undefined, self: unknown): void {
    const { key, byteRate } = probe;
    const { batch } = this;
    const now = this.clock;
    if (this.logsCheckedIn !== batch.sent) this.checkLogs();
    // The app's SDK first: it rarely takes logs, and `to` is one more object to load.
    if (probe.packs !== true || (this.appTakesLogs === true && probe.to.otel === true))
      return this.log(probe, format, slots === undefined ? values : slotValues(values, slots), self, true);
    const trace = this.appHasSpans ? activeSpanContext() : undefined;
    // `byteRate` and `batch` read before the packing: after a call, V8 checks and loads fields again.
    const length = batch.packedLine(format, values, self, key, probe.head, now, trace, byteRate.on, slots);
    // Over its byte quota the line is taken back out and counted as sampled, as spendBytes does for a prepared site.
    if (byteRate.take(length, now)) return batch.kept();
    batch.refused();
    batch.sampled(key, OVER_BYTES);
  }

  /** Whether the app's own logs SDK takes records and a span can be active: looked up once a batch. */
  private checkLogs(): void {
    this.logsCheckedIn = this.batch.sent;
    this.appTakesLogs = this.otel.takesLogs();
    this.appHasSpans = spansPossible();
  }

  /** The line of a hit whose time (`clock`) its caller set: passed as an argument, it was boxed, a HeapNumber a hit. */
  private log(probe: ArmedProbe, format: CompiledTemplate, values: unknown[], self: unknown, prepared: boolean): void {
    const { key, to, head } = probe;
    const now = this.clock;
    if (this.logsCheckedIn !== this.batch.sent) this.checkLogs();
    // A line for the worker alone (no SDK of the app's, no console or logger): it is joined there.
    if (to.logger !== true && to.console !== true && !(to.otel === true && this.appTakesLogs)) {
      // A prepared site's line goes straight into the batch. Over its byte quota it is taken back out
      // and counted as sampled, as spendBytes does for a prepared site: nothing sends the batch in between.
      if (prepared === true && (to.otel === true || to.live === true)) {
        const trace = this.appHasSpans ? activeSpanContext() : undefined;
        const length = this.batch.packedLine(format, values, self, key, head, now, trace, probe.byteRate.on);
        if (probe.byteRate.take(length, now)) return this.batch.kept();
        this.batch.refused();
        return this.batch.sampled(key, OVER_BYTES);
      }
      // A breakpoint's line goes in too, measured for its window, and is kept or taken back out
      // before a quota it is over pauses the probe, which sends the batch. Not for OpenTelemetry:
      // the worker does not export it (emitted), it only goes live; for neither, only its bytes count.
      const trace = this.appHasSpans ? activeSpanContext() : undefined;
      const length = this.batch.packedLine(format, values, self, key, head, now, trace, !prepared || probe.byteRate.on);
      const fits = this.bytesFit(probe, length, now, prepared);
      if (fits && (to.otel || to.live)) this.batch.kept();
      else this.batch.refused();
      if (!fits) this.overBytes(probe, prepared);
      return;
    }
    const message = format({ values, self });
    if (!this.spendBytes(probe, message.length, now, prepared)) return;
    // Already exported, or not for OpenTelemetry at all: the worker does not export it either.
    const emitted = !to.otel || this.otel.emit(probe.level, message, probe.attributes);
    if (!emitted || to.live) this.batch.log(key, now, message, emitted, to.live, activeSpanContext());
    const app = this.appOutput;
    if (app === undefined) return;
    const fields = probe.attributes as unknown as LineFields;
    const logged = to.logger && app.logger(probe.level, message, fields);
    // Without a logger from the app, its console is the app's own output there is.
    if (to.console || (to.logger && !logged)) app.console(probe.level, now, message, fields);
  }

  /** Records one data point; false when there was none (a toc without its tic, or an evaluation error). */
  private metric(probe: ArmedProbe, metric: CompiledMetric, frame: Frame, now: number, startedAt: number, prepared: boolean): boolean {
    let value: number | undefined;
    try {
      value = metricValue(metric, frame, this.timers, startedAt, this.text);
    } catch (err) {
      this.evalError(probe, errorMessage(err), now);
      return false;
    }
    if (value === undefined) return false;
    if (metric.role === 'toc' && !prepared) {
      if (probe.spec.calibration === true) return this.calibration.add(value);
      // V8's own part of the two breakpoint hits, as the calibration measured it, is not the app's time.
      value = Math.max(0, value - (probe.spec.metric?.overheadSeconds ?? 0));
    }
    if (metric.attributes.length === 0 && metric.outcome === undefined) {
      if (metric.role === 'count') this.batch.count(probe.key);
      else this.batch.value(probe.key, value);
      return true;
    }
    const attributes = metricAttributes(metric, frame, this.text, (message) => this.evalError(probe, message, now));
    this.post({ t: 'metric', key: probe.key, value, attributes });
    return true;
  }

  private snapshot(probe: ArmedProbe, compiled: CompiledSnapshot, frame: Frame, now: number, startedAt: number, prepared: boolean): void {
    const data = captureSnapshot(compiled, frame, this.text, AGENT_DIR, startedAt);
    if (!this.spendBytes(probe, data.bytes, now, prepared)) return;
    const { callerOf } = probe.spec;
    if (callerOf !== undefined) return this.caller(probe, callerOf, data);
    const callers = this.callers.get(probe.key);
    if (callers !== undefined) {
      this.callers.delete(probe.key);
      data.frames = callers.filter((c) => c !== undefined);
    }
    const spanContext = activeSpanContext();
    if (spanContext !== undefined) {
      data.traceId = spanContext.traceId;
      data.spanId = spanContext.spanId;
    }
    const holding = this.holding;
    if (holding?.key === probe.key) {
      this.holding = undefined;
      this.held.hold(holding.error, probe.key, now, () => this.publishSnapshot(probe, data, now));
      return;
    }
    this.publishSnapshot(probe, data, now);
  }

  /** An exception capture's caller frame: kept for the capture, which runs next. */
  private caller(probe: ArmedProbe, callerOf: { key: number; index: number }, data: CapturedSnapshot): void {
    const { spec } = probe;
    const frames = this.callers.get(callerOf.key) ?? [];
    frames[callerOf.index - 1] = {
      location: { file: spec.file, line: spec.line, ...(spec.functionName === undefined ? {} : { function: spec.functionName }) },
      arguments: data.arguments,
      locals: data.locals,
      scopes: data.scopes,
      ...(data.this === undefined ? {} : { this: data.this }),
    };
    this.callers.set(callerOf.key, frames);
  }

  private publishSnapshot(probe: ArmedProbe, data: CapturedSnapshot, now: number): void {
    const id = `snap_${uniqueHex()}`;
    const summary = data.arguments
      .concat(data.locals)
      .map((v) => `${v.name}=${renderValue(v.value)}`)
      .join(', ');
    const emitted = this.otel.emitSpan(
      probe.spec.exception === undefined ? `snapshot ${probe.location}` : `exception ${probe.spec.exception['exception.type']}`,
      {
        ...probe.attributes,
        'liveprobe.snapshot.id': id,
        'liveprobe.snapshot.stall_ms': data.stallMs,
        'liveprobe.snapshot.summary': summary.length > MAX_SUMMARY_LENGTH ? `${summary.slice(0, MAX_SUMMARY_LENGTH)}…` : summary,
      },
      now,
    );
    this.post({ t: 'snap', key: probe.key, id, time: now, data, emitted });
    // An exception capture runs while the app is paused (or is released from a framework's error
    // handler, in the middle of a request): no timer should delay it; the worker may be waiting.
    if (probe.spec.exception !== undefined) this.batch.flush();
  }

  private finish(probe: ArmedProbe, reason: 'hit_limit' | 'expired'): void {
    probe.done = true;
    probe.creditUntil = -1;
    this.post({ t: 'done', key: probe.key, reason });
  }

  private evalError(probe: ArmedProbe, message: string, now: number): void {
    probe.pendingErrors++;
    probe.lastError = message;
    if (now - probe.lastErrorReport < ERROR_REPORT_INTERVAL_MS) return;
    this.post({ t: 'eval-error', key: probe.key, message, count: probe.pendingErrors });
    probe.pendingErrors = 0;
    probe.lastErrorReport = now;
  }

  /** The app is exiting: hand over the batched hits now. True when output may still be on its way. */
  flushForExit(): boolean {
    this.batch.flush();
    return this.armedAny || this.exceptionsPublished;
  }

  private post(message: ToWorker): void {
    this.batch.message(message);
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      this.receive(m.message as ToMain);
    }
  }

  private receive(message: ToMain): void {
    switch (message.t) {
      case 'init':
        this.agentId = message.agentId;
        this.useSettings(message);
        return;
      case 'settings':
        this.useSettings(message);
        for (const probe of this.probes.values()) this.compile(probe);
        // Behind any hit batched before it: the worker logs the reload once nothing old is on its way.
        this.post({ t: 'settings-applied', version: message.version });
        return;
      case 'ready':
      case 'pausing-scripts':
        // For the start-up wait and the CommonJS loader (agent-main); nothing for the hook to do.
        return;
      case 'resume':
        for (const key of message.keys) {
          const probe = this.probes.get(key);
          if (probe === undefined) continue;
          if (message.allow === undefined) {
            probe.paused = false;
            probe.hitRate.refill();
            probe.byteRate.refill();
            this.refillCredit(probe);
          } else if (probe.openedEarly > 0) probe.openedEarly--;
          else if (probe.paused) this.openWindow(probe, message.allow);
          // Another key of the action (a duration's exits): its breakpoints came back too.
          else probe.window = new SamplingWindow(message.allow, monotonicNow());
        }
        return;
      case 'arm':
        this.arm(message);
        return;
      case 'metric-points':
        this.otel.recordMetrics(message.points);
        return;
      case 'calibrate':
        void this.calibration.run(message.runs, message.copy).then((result) => this.post({ t: 'calibrated', ...result }));
        return;
      case 'exceptions':
        this.exceptions.set(message.arms);
        return;
      case 'throw-reruns':
        this.throwReruns.set(message.runs);
        this.everyThrow = message.runs === 'pairs';
        return;
      case 'raise-reruns':
        this.raiseReruns.set(message.on);
        return;
      case 'raise-stops':
        this.raiseReruns.stopsAt(message.key, message.stops);
        return;
      case 'counted':
        this.chargeInPlace(message.key, message.hits);
        return;
      case 'disarm':
        this.last = undefined;
        this.probes.delete(message.key);
        this.callers.delete(message.key);
        this.raiseReruns.forget(message.key);
        return;
    }
  }

  private useSettings(settings: HookSettings): void {
    this.logOutputs = settings.logOutputs;
    this.text = { limits: settings.capture, redaction: new Redaction(settings.redaction) };
    this.quotas = settings.quotas;
    this.cpu = new CpuBudget(settings.quotas);
  }

  /** HitTarget.onRearm. */
  onRearm(listener: (key: number) => void): void {
    this.rearmed = listener;
  }

  private rearmed: (key: number) => void = () => {};

  private arm(spec: ArmProbe): void {
    // The same key armed again is the action moving from its breakpoint to a prepared site: it
    // keeps counting toward maxHits from where it was.
    const previous = this.probes.get(spec.key);
    const probe: ArmedProbe = {
      key: spec.key,
      spec,
      level: spec.log?.level ?? 'info',
      condition: undefined,
      conditionSource: spec.conditionSource,
      format: undefined,
      snapshot: undefined,
      metric: undefined,
      plainCount: false,
      lineOnly: false,
      to: { otel: false, live: false, logger: false, console: false },
      head: 0,
      packs: false,
      location: `${spec.file}:${spec.line}`,
      maxHits: spec.maxHits,
      expiresAt: spec.expiresAt,
      hits: previous?.hits ?? 0,
      creditUntil: -1,
      warm: false,
      done: false,
      paused: false,
      window: undefined,
      closedHits: 0,
      closedBy: OVER_RATE,
      reopens: undefined,
      openedEarly: 0,
      hitRate: new RateLimit(0),
      byteRate: new RateLimit(0),
      sample: undefined,
      attributes: {
        'code.file.path': spec.file,
        'code.line.number': spec.line,
        ...(spec.functionName === undefined ? {} : { 'code.function.name': spec.functionName }),
        'liveprobe.action.id': spec.actionId,
        'liveprobe.agent.id': this.agentId,
        ...spec.exception,
      },
      pendingErrors: 0,
      lastErrorReport: 0,
      lastError: '',
      uninitialised: spec.uninitialised?.map((name) => spec.roots.indexOf(name)).filter((index) => index >= 0),
    };
    this.compile(probe);
    loadApiForSdk();
    this.last = undefined;
    this.probes.set(spec.key, probe);
    this.armedAny = true;
    if (previous !== undefined) this.rearmed(spec.key);
  }

  /** Compiles the probe's expressions and sets its quotas with the current settings; its hits and state stay. */
  private compile(probe: ArmedProbe): void {
    const { spec } = probe;
    const text = spec.unbound === undefined ? this.text : { ...this.text, unbound: new Set(spec.unbound) };
    probe.condition = spec.condition === undefined ? undefined : compileExpression(spec.condition, spec.roots, text);
    probe.format =
      spec.log === undefined
        ? undefined
        : compileTemplate(spec.log.template, spec.roots, (message) => this.evalError(probe, message, dateNow()), text);
    probe.snapshot =
      spec.snapshot === undefined
        ? undefined
        : compileSnapshot(spec.snapshot.plan, spec.snapshot.watches, spec.roots, text, spec.snapshot.elsewhere);
    probe.metric = spec.metric === undefined ? undefined : compileMetric(spec.metric, spec.roots, text);
    probe.plainCount = isPlainCounter(spec);
    probe.lineOnly = probe.format !== undefined && probe.snapshot === undefined && probe.metric === undefined;
    const outputs = spec.log?.outputs ?? this.logOutputs;
    probe.to = {
      otel: outputs.includes('otel'),
      live: outputs.includes('live'),
      logger: outputs.includes('logger'),
      console: outputs.includes('console'),
    };
    // Lines packed into a batch: the worker need not export one not for OpenTelemetry (emitted).
    probe.head = probe.format === undefined ? 0 : headerOf(probe.format.id, probe.key, lineFlags(!probe.to.otel, probe.to.live));
    probe.packs = !probe.to.logger && !probe.to.console && (probe.to.otel || probe.to.live);
    const rate = sampleRate(spec.ratePerSecond, this.quotas.hitsPerSecond);
    // On breakpoints the action's own rate is a hit quota too: every hit there costs a breakpoint.
    // The calibration's few hits are the agent's own, not the app's: no quota stops them.
    probe.hitRate = new RateLimit(spec.calibration === true ? 0 : rate);
    probe.byteRate = new RateLimit(this.quotas.bytesPerSecond);
    probe.sample = spec.log !== undefined || spec.snapshot !== undefined ? new RateLimit(rate) : undefined;
    this.refillCredit(probe);
  }
}
