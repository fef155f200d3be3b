/**
 * The app's own OpenTelemetry, seen from the main thread. When the app registered an SDK
 * (e.g. auto-instrumentations-node/register), records go to its global LoggerProvider, so
 * they carry its resource and processors; otherwise the worker exports them.
 */
import { createRequire } from 'node:module';
import { AGENT_VERSION } from '../settings/agent-version.js';
import type { Attributes, MeterProvider, SpanContext, TracerProvider } from '@opentelemetry/api';
import type { MetricPoints } from '../bridge.js';
import { type Recorder, recorderFor } from '../metric-instruments.js';
import type { Logger, LoggerProvider, LogAttributes } from '@opentelemetry/api-logs';
import type { LogLevel } from '@liveprobe/protocol';

type OtelApi = typeof import('@opentelemetry/api');
let otelApi: OtelApi | undefined;
/**
 * @opentelemetry/api, loaded once the app has an OpenTelemetry SDK: in an app without one it
 * would only cost RSS (~6 MiB on Node 20). Required, not imported: an ES module importing this
 * CommonJS package costs Node 20 another ~6 MiB (its scan of CommonJS exports).
 */
const api = (): OtelApi => (otelApi ??= createRequire(import.meta.url)('@opentelemetry/api') as OtelApi);

const LOGS_API_KEY = Symbol.for('io.opentelemetry.js.api.logs');
/** Where @opentelemetry/api 1.x keeps what the app registered; `trace` is set with a TracerProvider. */
const API_KEY = Symbol.for('opentelemetry.js.api.1');
const LOGS_API_COMPATIBILITY_VERSION = 1;
/** The providers an SDK handed to LiveprobeInstrumentation (opentelemetry.cts): used when none is registered globally. */
const PROVIDERS_KEY = Symbol.for('liveprobe.otel.providers');

interface GivenProviders {
  loggerProvider?: LoggerProvider;
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
  /** Set by the agent's main thread: called each time the SDK hands the instrumentation a MeterProvider. */
  meterProviderSet?: () => void;
}

const given = (): GivenProviders | undefined => (globalThis as Record<symbol, GivenProviders | undefined>)[PROVIDERS_KEY];

/** The holder, made here when the agent starts before the SDK hands the instrumentation anything (as opentelemetry.cts makes it). */
function givenHolder(): GivenProviders {
  let providers = given();
  if (providers === undefined) {
    providers = {};
    Object.defineProperty(globalThis, PROVIDERS_KEY, { value: providers, enumerable: false });
  }
  return providers;
}

export const SEVERITY_NUMBER: Record<LogLevel, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/**
 * Loads @opentelemetry/api now when the app registered an SDK, so that no hit pays for it: the
 * SDK's require hooks (require-in-the-middle) see each of its files, and on Node 22 a trial's CPU
 * profile put most of a fresh action's first hit there. Called when a probe is armed, off the hit path.
 */
export function loadApiForSdk(): void {
  if ((globalThis as Record<symbol, unknown>)[API_KEY] === undefined) return;
  try {
    api();
  } catch {
    // Arming must not throw into the app's event loop: a hit tries again, where a failure is caught.
  }
}

export function activeSpanContext(): SpanContext | undefined {
  // Nothing registered with the API (no context manager): no span can be active.
  if ((globalThis as Record<symbol, unknown>)[API_KEY] === undefined) return undefined;
  const { context, trace } = api();
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext !== undefined && trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * Whether a span can be active: only once the app registered a context manager (an SDK's
 * start does), read as plain data. Without one, `context.active()` is always the root context.
 */
export function spansPossible(): boolean {
  return (globalThis as Record<symbol, { context?: unknown } | undefined>)[API_KEY]?.context !== undefined;
}

export class AppOtel {
  private provider: LoggerProvider | undefined;
  private logger: Logger | undefined;
  private toldNoProcessor = false;
  /** The app's MeterProvider while it collects metrics, and the instruments made on it, by action and name. */
  private meterProvider: MeterProvider | undefined;
  private readonly recorders = new Map<string, Recorder>();

  /** `notice`: says something to the user once, through the agent's own messages. */
  constructor(private readonly notice: (message: string) => void = () => {}) {}

  /**
   * The app's global logger, or undefined when the app registered no logs SDK, or one whose
   * records go nowhere (a LoggerProvider without a processor): then the worker exports them.
   */
  private appLogger(): Logger | undefined {
    const getter = (globalThis as Record<symbol, unknown>)[LOGS_API_KEY];
    // The registered global first: the SDK hands instrumentations a proxy before it has a provider.
    const registered =
      typeof getter === 'function'
        ? (getter as (version: number) => LoggerProvider | undefined)(LOGS_API_COMPATIBILITY_VERSION)
        : undefined;
    const provider = registered ?? given()?.loggerProvider;
    if (provider === undefined) return undefined;
    if (provider !== this.provider) {
      this.provider = provider;
      this.logger = hasNoProcessor(provider) ? undefined : provider.getLogger('liveprobe', AGENT_VERSION);
      if (this.logger === undefined && !this.toldNoProcessor) {
        this.toldNoProcessor = true;
        this.notice(
          "the app's OpenTelemetry LoggerProvider has no log record processor, so its log records go nowhere; liveprobe exports its own from OTEL_EXPORTER_OTLP_* instead. Give the provider a processor (processors: [new BatchLogRecordProcessor(exporter)]) to send them through the app's pipeline",
        );
      }
    }
    return this.logger;
  }

  /**
   * Calls `changed` now and whenever the MeterProvider the SDK handed to LiveprobeInstrumentation
   * starts or stops collecting metrics (the SDK first hands over the global one, a no-op until
   * it registers its own, when it has a metric reader).
   */
  watchMeterProvider(changed: (usable: boolean) => void): void {
    const providers = givenHolder();
    const check = (): void => {
      const offered = providers.meterProvider;
      const usable = offered !== undefined && collectsMetrics(offered) ? offered : undefined;
      if (usable === this.meterProvider) return;
      const was = this.meterProvider !== undefined;
      this.meterProvider = usable;
      this.recorders.clear();
      if (was !== (usable !== undefined)) changed(usable !== undefined);
    };
    providers.meterProviderSet = check;
    check();
  }

  /** Records the worker's metric points on the app's MeterProvider (dropped if it stopped collecting meanwhile). */
  recordMetrics(points: MetricPoints['points']): void {
    const provider = this.meterProvider;
    if (provider === undefined) return;
    for (const { actionId, instrument, value, attributes } of points) {
      const key = `${actionId}\0${instrument.name}`;
      let record = this.recorders.get(key);
      if (record === undefined) {
        record = recorderFor(provider.getMeter('liveprobe', AGENT_VERSION), instrument);
        this.recorders.set(key, record);
      }
      record(value, attributes);
    }
  }

  /** Records a snapshot as a span, child of the active one, through the app's SDK; false when it has none. */
  emitSpan(name: string, attributes: Attributes, time: number): boolean {
    const registered = (globalThis as Record<symbol, { trace?: unknown } | undefined>)[API_KEY];
    const provider = registered?.trace === undefined ? given()?.tracerProvider : undefined;
    if (provider === undefined && registered?.trace === undefined) return false;
    const { context, trace } = api();
    const tracer = provider === undefined ? trace.getTracer('liveprobe', AGENT_VERSION) : provider.getTracer('liveprobe', AGENT_VERSION);
    tracer.startSpan(name, { attributes, startTime: time }, context.active()).end(time);
    return true;
  }

  /** Whether `emit` would take a record now (the app has a logs SDK whose records go somewhere). */
  takesLogs(): boolean {
    return this.appLogger() !== undefined;
  }

  /** Emits through the app's SDK; false when there is none and the worker must export instead. */
  emit(level: LogLevel, message: string, attributes: LogAttributes): boolean {
    const logger = this.appLogger();
    if (logger === undefined) return false;
    logger.emit({
      severityNumber: SEVERITY_NUMBER[level],
      severityText: level.toUpperCase(),
      body: message,
      attributes,
      context: api().context.active(),
    });
    return true;
  }
}

/**
 * True for the SDK's MeterProvider (sdk-metrics) with at least one metric reader; false for the
 * API's no-op and anything else. Read as plain data, never through a getter of the app's object.
 */
function collectsMetrics(provider: MeterProvider): boolean {
  const state = Object.getOwnPropertyDescriptor(provider, '_sharedState')?.value as object | undefined;
  if (typeof state !== 'object' || state === null) return false;
  const collectors: unknown = Object.getOwnPropertyDescriptor(state, 'metricCollectors')?.value;
  return Array.isArray(collectors) && collectors.length > 0;
}

/**
 * True for the SDK's LoggerProvider (sdk-logs) created without processors: it hands every
 * record to a no-op. Read as plain data, never through a getter of the app's object.
 */
function hasNoProcessor(provider: LoggerProvider): boolean {
  const state = Object.getOwnPropertyDescriptor(provider, '_sharedState')?.value as object | undefined;
  if (typeof state !== 'object' || state === null) return false;
  const processors: unknown = Object.getOwnPropertyDescriptor(state, 'processors')?.value;
  return Array.isArray(processors) && processors.length === 0;
}
