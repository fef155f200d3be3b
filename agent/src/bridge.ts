/**
 * Messages between the app's main thread and the agent's worker. Plain objects only: the
 * main thread never loads zod or the protocol package (docs/architecture.md §8: start-up cost).
 */
import type { Expr, LogLevel, LogOutput, PrepareSummary, SnapshotData, TemplatePart, ThrownError } from '@liveprobe/protocol';
import type { CaptureLimits } from './settings/capture-settings.js';
import type { RedactionSettings } from './settings/redaction-settings.js';
import type { QuotaSettings } from './settings/quota-settings.js';
import type { InstrumentSpec } from './metric-instruments.js';
import type { Attributes } from '@opentelemetry/api';

/** Symbol under which the main thread exposes the hook that breakpoint conditions call. */
export const HOOK_KEY = 'liveprobe.hook';

/**
 * The global, non-enumerable name breakpoint conditions call the hook by (condition-source.ts):
 * a plain name, so a condition looks up neither `globalThis` nor `Symbol`, which the app's own
 * scope could shadow. Its `$lp` prefix is reserved: no expression may name it.
 */
export const HOOK_GLOBAL = '$lp$hook';

/**
 * The script the CommonJS loader runs once Node has compiled a module and before the module's code
 * runs, while actions wait for their files: V8 pauses before it (main/commonjs-loader.ts).
 */
export const COMMONJS_GATE_URL = 'liveprobe:commonjs-gate';

/** worker → main: arm a probe before its breakpoint is set, so the first hit counts. */
export interface ArmProbe {
  t: 'arm';
  key: number;
  actionId: string;
  /** The names the breakpoint condition reads, in the order of the values it passes. */
  roots: string[];
  /**
   * Those of `roots` in their temporal dead zone at a prepared site (a `const` declared below it).
   * A breakpoint's condition passes NOT_INITIALISED for them itself: it knows its own place.
   */
  uninitialised?: string[];
  /**
   * Those of `roots` the built code has no variable of at the line, in a script with a source
   * map whose source writes the name (locate/generated-names.ts): when one is missing at a hit,
   * the error says a minifier may have removed it, and what to do.
   */
  unbound?: string[];
  condition?: Expr;
  conditionSource?: string;
  maxHits: number;
  expiresAt: number;
  /** The action's own sampling rate (log and snapshot actions); absent: the agent's hit quota. */
  ratePerSecond?: number;
  /** The location in the user's source (after source maps), for `code.*` attributes. */
  file: string;
  line: number;
  functionName?: string;
  /** `outputs` absent: the agent's default (LIVEPROBE_LOG_OUTPUTS). */
  log?: { level: LogLevel; template: TemplatePart[]; outputs?: LogOutput[] };
  /**
   * `elsewhere`: the plans of the line's other places in a script that holds it in several (places
   * 1, 2, …; `plan` is place 0's), whose breakpoint conditions pass their place after the roots' values.
   */
  snapshot?: { plan: SnapshotPlan; watches: { source: string; expr: Expr }[]; elsewhere?: SnapshotPlan[] };
  metric?: MetricArm;
  /** For an exception action's capture: the error, as OpenTelemetry's `exception.*` attributes name it. */
  exception?: ExceptionAttributes;
  /** An exception capture's caller frame: its values join the snapshot of the capture `key`, as caller `index` (1 = the throw site's caller). */
  callerOf?: { key: number; index: number };
  /** A tic or toc of the agent's own calibration (main/break-calibration.ts): its intervals are V8's cost, not output. */
  calibration?: true;
}

/**
 * Exception captures of caught errors wait, on the main thread, for their error to reach a
 * framework's error handler (or to be thrown on uncaught): at most `max` at once, each for `ttlMs`.
 * The worker keeps what it needs to publish them under the same bounds.
 */
export const HELD_CAPTURES = { max: 32, ttlMs: 30_000 } as const;

/** OpenTelemetry's semantic conventions for an exception on a span. */
export interface ExceptionAttributes {
  'exception.type': string;
  'exception.message': string;
  'exception.stacktrace': string;
}

/**
 * What one breakpoint of a metric action does: count a hit, record an expression's value,
 * or start (tic) / stop (toc) a timer for the current invocation.
 */
export interface MetricArm {
  role: 'count' | 'value' | 'tic' | 'toc';
  /** The tic and toc breakpoints of one action share this id. */
  pair?: number;
  /**
   * Tic and toc: the position it runs at (a script's or a prepared file's), the same for every
   * action timed there, so the actions passing it together take one time (invocation-timers.ts).
   */
  at?: string;
  value?: { source: string; expr: Expr };
  attributes: { key: string; source: string; expr: Expr }[];
  /** For a function's exits: whether it returned or threw there. */
  outcome?: 'return' | 'throw';
  /** A toc on breakpoints: V8's own cost of a measurement, in seconds, taken off each (main/break-calibration.ts). */
  overheadSeconds?: number;
}

/** The variables a snapshot reads at its line, by name (each is in `roots`). */
export interface SnapshotPlan {
  arguments: string[];
  locals: string[];
  scopes: { kind: 'closure' | 'module'; name?: string; variables: string[]; leftOut?: number }[];
}

/** A snapshot as captured on the main thread: stack positions are still in generated code. */
export type CapturedSnapshot = Omit<SnapshotData, 'location'>;

/** worker → main: forget a probe (its breakpoint is already gone). */
export interface DisarmProbe {
  t: 'disarm';
  key: number;
}

/**
 * worker → main: hits a COUNT_IN_PLACE site counted for the plain counter `key`, which the
 * worker read (worker/prepared/site-counts.ts): the hook charges them to the CPU budget, as it
 * charges the counted hits it sees itself.
 */
export interface CountedInPlace {
  t: 'counted';
  key: number;
  hits: number;
}

/** worker → main, first message: who this agent is, and the agent's own capture and privacy settings. */
export interface Init {
  t: 'init';
  agentId: string;
  /** Bounds on captured values (snapshots, log placeholders, `str()`). */
  capture: CaptureLimits;
  /** What the main thread hides; it comes from the agent's configuration only, never from the control plane. */
  redaction: RedactionSettings;
  /** Footprint guards, from the agent's configuration only. */
  quotas: QuotaSettings;
  /** Where log actions' lines go when an action names no outputs. */
  logOutputs: LogOutput[];
}

/** The part of `init` that follows the agent's configuration file when it changes. */
export type HookSettings = Pick<Init, 'capture' | 'redaction' | 'quotas' | 'logOutputs'>;

/**
 * worker → main: the agent's configuration changed. Every armed probe is compiled again with
 * these settings (keeping its hits and its paused or done state), then `settings-applied` says so.
 */
export interface ApplySettings extends HookSettings {
  t: 'settings';
  version: number;
}

/** worker → main: the action's breakpoints are back; accept hits on these keys again. */
export interface ResumeProbe {
  t: 'resume';
  keys: number[];
  /** A sampling window (DutyCycle.allow): this many hits, then the window closes; absent: the quotas refill instead. */
  allow?: number;
}

/**
 * worker → main: V8 now pauses before new scripts while actions wait for their files (sent the
 * first time only): the CommonJS loader gates each module from now on (main/commonjs-loader.ts).
 */
export interface PausingScripts {
  t: 'pausing-scripts';
}

/** worker → main: the first desired state is applied; an app waiting for the agent (LIVEPROBE_STARTUP_WAIT_MS) may go on. */
export interface AgentReady {
  t: 'ready';
}

/** worker → main: the calibration's breakpoints are set; call its target this many times. */
export interface Calibrate {
  t: 'calibrate';
  runs: number;
  /** A copy of the measured function to time, or of the agent's own small target. */
  copy: FunctionCopy;
}

/**
 * A copy of the measured function for the calibration, compiled on the main thread as
 * `new Function(...params, body)` (an async one for `async`) and called; its body never runs the
 * measured function's statements (worker/function-copy.ts).
 */
export interface FunctionCopy {
  params: string[];
  body: string;
  async: boolean;
}

/** worker → main: metric points for the app's SDK MeterProvider (main → worker `app-meter` asked for them). */
export interface MetricPoints {
  t: 'metric-points';
  points: { actionId: string; instrument: InstrumentSpec; value: number; attributes: Attributes }[];
}

/**
 * worker → main: the exception actions that take the prepared path (docs/actions.md#exception-snapshots),
 * all of them at once; an empty list turns the prepared files' exception sites off.
 */
export interface ExceptionArms {
  t: 'exceptions';
  arms: ExceptionArm[];
}

/**
 * worker → main: how runs of a `throw` statement's breakpoint condition go (main/throw-reruns.ts):
 * `pairs` while the exception watch pauses at every thrown error on a V8 that runs the condition
 * again at the throw, `confirm` while it pauses at uncaught ones only on such a V8, `pause` while
 * it pauses at thrown errors on a V8 that does not, `each` otherwise.
 */
export interface ThrowRerunsOn {
  t: 'throw-reruns';
  runs: ThrowRuns;
}

export type ThrowRuns = 'each' | 'pairs' | 'confirm' | 'pause';

/**
 * worker → main: whether the exception watch pauses at thrown errors at all (caught ones or
 * uncaught ones only), so that V8 may run the breakpoint conditions of any statement that throws
 * again at its throw (main/raise-reruns.ts).
 */
export interface RaiseRerunsOn {
  t: 'raise-reruns';
  on: boolean;
}

/**
 * worker → main: where V8 put the breakpoints of probe `key`, on a statement that can throw in its
 * own frame (locate/throw-statement.ts), each `line:column` (1-based line, 0-based column) of its
 * script: a run of its condition stopped anywhere else is V8's run at a throw (main/raise-reruns.ts).
 */
export interface RaiseStops {
  t: 'raise-stops';
  key: number;
  stops: string[];
}

/** What the app thread needs of an exception action to decide, at the throw, whether to capture. */
export interface ExceptionArm {
  actionId: string;
  errorType?: string;
  messagePattern?: string;
  /** Frames captured, from the throw site outwards (1–8). */
  frames: number;
  ratePerMinute: number;
  maxHits: number;
  expiresAt: number;
}

export type ToMain =
  | Init
  | ApplySettings
  | ArmProbe
  | DisarmProbe
  | CountedInPlace
  | ResumeProbe
  | AgentReady
  | PausingScripts
  | Calibrate
  | MetricPoints
  | ExceptionArms
  | ThrowRerunsOn
  | RaiseRerunsOn
  | RaiseStops;

/** How the worker reaches the probe hook: a MessagePort in-process, CDP for a remote target. */
export interface HookChannel {
  postMessage(message: ToMain): void;
}

/** One log hit's formatted output, as the worker unpacks it from PackedLogs. */
export interface HitOutput {
  key: number;
  time: number;
  message: string;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
  /** True when the record already went to the app's own OpenTelemetry SDK, or is not for OpenTelemetry at all. */
  emitted: boolean;
  /** False when the action's outputs leave out the live stream. */
  live: boolean;
}

/**
 * main → worker: log hits. Each hit is in `numbers`: a header (log-header.ts) holding the line's
 * format (0: the line is the next of `texts`; otherwise a template's id, its pieces in `formats`
 * of this batch or an earlier one), key and flags (1: emitted, 2: not for the live stream, 4: in
 * a trace, whose traceId and spanId are the next two of `texts` and whose traceFlags comes after
 * the time here), then time, then, for a
 * template, one value per placeholder: a number to print as it is, or NaN (null on the attach
 * path) for the next of `texts`. Formatting numbers and joining the line is left
 * to the worker: it is most of what a line costs the app's thread.
 */
export interface PackedLogs {
  t: 'logs';
  /**
   * A Float64Array from the main thread (a view of memory shared with the worker when `release`
   * is set); an array on the attach path, where batches cross as JSON.
   */
  numbers: Float64Array | (number | null)[];
  /** Set when `numbers` is shared: the worker stores 0 in it once it has read them, and the main thread writes there again. */
  release?: Int32Array;
  texts: string[];
  /** Templates first used in this batch: id, then the text around its placeholders. */
  formats: [number, string[]][];
}

/** main → worker: counter hits since the last batch, as key and count pairs. */
export interface PackedCounts {
  t: 'counts';
  hits: number[];
}

/**
 * The limit a sampled hit was over: the action's rate (its ratePerSecond within the agent's hit
 * quota), its output bytes, or the agent's CPU budget. PackedSampled carries its index here.
 */
export const SAMPLED_LIMITS = ['rate', 'bytes', 'cpu'] as const satisfies readonly DutyCycle['bound'][];
export type SampledLimit = (typeof SAMPLED_LIMITS)[number];
/** SAMPLED_LIMITS' indexes, as the probe hook passes them at a hit. */
export const OVER_RATE = 0;
export const OVER_BYTES = 1;
export const OVER_CPU = 2;
export type SampledLimitIndex = typeof OVER_RATE | typeof OVER_BYTES | typeof OVER_CPU;

/**
 * main → worker: hits over a limit since the last batch (a prepared site's, or a breakpoint's
 * after its window was spent), as key, limit (SAMPLED_LIMITS' index) and count triples: counted,
 * not captured.
 */
export interface PackedSampled {
  t: 'sampled';
  hits: number[];
}

/** main → worker: data points of metric actions without attributes, as key and value pairs. */
export interface PackedValues {
  t: 'values';
  hits: number[];
}

/** main → worker: the probe reached maxHits or its expiry; remove its breakpoint. */
export interface ProbeDone {
  t: 'done';
  key: number;
  reason: 'hit_limit' | 'expired';
}

/** main → worker: an expression failed at a hit (already rate-limited on the main thread). */
export interface ProbeEvalError {
  t: 'eval-error';
  key: number;
  message: string;
  count: number;
}

/** main → worker: something the user should read once on the agent's stderr (e.g. the app's log pipeline is broken). */
export interface AgentNotice {
  t: 'notice';
  message: string;
}

/** main → worker: what the calibration measured; its breakpoints can go. */
export interface Calibrated {
  t: 'calibrated';
  /** V8's own cost of one breakpoint-timed measurement, now taken off each; undefined when no call was timed. */
  overheadMs: number | undefined;
}

/**
 * main → worker: whether the app's SDK MeterProvider, handed to LiveprobeInstrumentation,
 * collects metrics (it has a reader): then metric points go there, through the main thread.
 */
export interface AppMeterChanged {
  t: 'app-meter';
  usable: boolean;
}

/** main → worker: how prepared files fared so far (main/prepare-tally.ts), for the agent's status. */
export interface PrepareSummaryChanged {
  t: 'prepare-summary';
  summary: PrepareSummary;
}

/** main → worker: the process is exiting; close the inspector session now. */
export interface Exiting {
  t: 'exit';
}

/** main → worker: a snapshot hit. */
export interface SnapshotHit {
  t: 'snap';
  key: number;
  id: string;
  time: number;
  data: CapturedSnapshot;
  /** True when the span already went to the app's own OpenTelemetry SDK. */
  emitted: boolean;
}

/**
 * main → worker: an exception captured by a prepared file's exception site, published (its error
 * was uncaught or reached a framework's error handler). Positions are still in generated code.
 */
export interface PreparedExceptionHit {
  t: 'exception';
  actionId: string;
  id: string;
  time: number;
  data: CapturedSnapshot;
  thrown: ThrownError;
  stacktrace: string;
  /** The throw site: the prepared file (as V8 names it), its line, and its column when known (1-based). */
  file: string;
  line: number;
  column?: number;
  /** The throw site's function, as V8 names it, when the site is a `throw` statement. */
  functionName?: string;
}

/** main → worker: one data point of a metric action that has attributes. */
export interface MetricHit {
  t: 'metric';
  key: number;
  value: number;
  attributes: Record<string, string | number | boolean>;
}

/** main → worker: a quota is exceeded; take the action's breakpoints out of V8 for a while. */
export interface ProbePaused {
  t: 'paused';
  key: number;
  reason: string;
  /** On breakpoints: the sampling window is spent; stay out for `offMs`, then open a window of `allow` hits. */
  cycle?: DutyCycle;
}

/** A breakpoint's sampling (main/duty-cycle.ts): windows of `allow` hits every `periodMs`, out of V8 in between. */
export interface DutyCycle {
  allow: number;
  /** How long a window of `allow` hits stays open at the rate measured while on. */
  onMs: number;
  periodMs: number;
  offMs: number;
  /**
   * The share of the line's hits a window lets through, estimated from the line's rate while on
   * (slowed by the breakpoint itself, or a burst caught whole); undefined while it is unknown.
   */
  share: number | undefined;
  /** Hits that pass the condition per second while on: what the hits missed while off are estimated from. */
  passedPerSecond: number;
  /** Which limit sets the rate: the hits per second, the CPU budget, or the output bytes. */
  bound: 'rate' | 'cpu' | 'bytes';
  /** Breakpoint hits per second the cycle lets through. */
  perSecond: number;
  /** The probe time of one hit: the hook's measured time and V8's part (duty-cycle.ts), in µs. */
  costPerHitUs: number;
  /**
   * This breakpoint's share of the agent's CPU budget, in ms per second (0: no budget): the worker
   * makes the pause longer when a window's cost measured on the main thread's CPU clock needs it.
   */
  cpuMsPerSecond: number;
  /** That limit in words, for a status when the measured cost sets the pace. */
  cpuBound: string;
}

/** main → worker: from now on every hit uses the settings of this `settings` message. */
export interface SettingsApplied {
  t: 'settings-applied';
  version: number;
}

export type ToWorker =
  | PackedLogs
  | PackedCounts
  | PackedSampled
  | PackedValues
  | SnapshotHit
  | PreparedExceptionHit
  | MetricHit
  | ProbeDone
  | ProbeEvalError
  | ProbePaused
  | SettingsApplied
  | AgentNotice
  | Calibrated
  | AppMeterChanged
  | PrepareSummaryChanged
  | Exiting;

/**
 * Shared with the worker: 1 while its inspector session is open. Node prints "Waiting for
 * the debugger to disconnect..." when a process exits with a session open, so the main
 * thread asks the worker to close it and waits (bounded) on this flag.
 */
export interface WorkerData {
  port: import('node:worker_threads').MessagePort;
  sessionOpen: Int32Array;
  /**
   * Shared with the worker: 1 once the worker, told the app is exiting, has closed its session
   * and flushed its OpenTelemetry exports (or failed to). The exiting main thread waits on it.
   */
  exitFlushed: Int32Array;
  /**
   * Shared with the worker: 1 once the worker's broker link is subscribed (its birth published,
   * its Last Will armed). Before that, after the app thread's link left cleanly to hand over, no
   * Will stands for the agent: an app exiting then waits for the worker to say it is offline.
   */
  linkUp: Int32Array;
  /** The prepared-sites channel (agent/src/prepare/). */
  prepared: import('node:worker_threads').MessagePort;
  /** Shared with the main thread: prepared files binding while an action may take late copies wait for their placement (prepare/late-copy-gate.ts). */
  copyGate: Int32Array;
  /** Files are prepared as they load (LIVEPROBE_PREPARE). */
  preparing: boolean;
  /** Where files prepared as they load are cached (prepared/position-tables.ts). */
  prepareCache?: import('./prepare/prepare-cache.js').PrepareCacheAt;
  /**
   * With LIVEPROBE_INSPECTOR_SESSION=startup: 1 once the worker's inspector session is open (or
   * cannot be). The main thread waits on it before the app's first module loads.
   */
  sessionReady?: Int32Array;
  /**
   * Shared with the worker: non-zero while V8 pauses before each new script for actions waiting
   * for their files; the CommonJS loader then runs its gate before each module's code.
   */
  pausingBeforeScripts: Int32Array;
  /** When the agent started: the app thread's broker link may have announced it long before the worker started. */
  startedAt: string;
}
