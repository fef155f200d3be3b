/**
 * Exports log records and snapshot spans when the app registered no OpenTelemetry SDK of its
 * own: private providers configured from the standard OTEL_* variables, created on first use.
 */
import { defined } from '@liveprobe/protocol/util';
import { ROOT_CONTEXT, trace, TraceFlags, type Attributes, type Context } from '@opentelemetry/api';
import type { LogAttributes } from '@opentelemetry/api-logs';
import type { AnyMetricAction, LogLevel } from '@liveprobe/protocol';
import type { Meter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AGENT_VERSION } from '../settings/agent-version.js';
import { type InstrumentSpec, type Recorder, recorderFor } from '../metric-instruments.js';
import { LogPipeline, type TraceParent } from './log-pipeline.js';
import type { MetricPoint } from './metric-record.js';
import type { NotExportedReason } from './not-exported.js';
import type { SampledLimit } from '../bridge.js';
import { StatsdExport } from './statsd-export.js';

/** The SDK's default OTEL_BLRP_MAX_QUEUE_SIZE. */
const DEFAULT_LOG_QUEUE = 2048;

export type { TraceParent } from './log-pipeline.js';

export interface SpanToExport extends TraceParent {
  name: string;
  time: number;
  attributes: Attributes;
}

type Signal = 'logs' | 'traces' | 'metrics';

type NotExportedSink = (actionId: string, reason: NotExportedReason, count: number) => void;
type Protocol = 'grpc' | 'http/protobuf' | 'http/json';
interface Provider {
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

export class OtelExport {
  private logs: Promise<LogPipeline | undefined> | undefined;
  /** The log pipeline, once `logs` resolved to one. */
  private readyLogs: LogPipeline | undefined;
  private tracer: Promise<import('@opentelemetry/api').Tracer | undefined> | undefined;
  private resource: Promise<Resource> | undefined;
  /** One MeterProvider per metric action, so removing the action ends its series. */
  private readonly meters = new Map<string, Promise<{ provider: Provider; record: Recorder } | undefined>>();
  private readonly providers: Provider[] = [];
  /** Set when OTEL_METRICS_EXPORTER names `statsd`. */
  private readonly statsd: StatsdExport | undefined;
  /**
   * Log records emitted and not yet handed to the exporter. The SDK's batch processor drops what
   * overflows its queue without saying so; kept below that bound here, every drop is counted.
   */
  private logsQueued = 0;
  /** OTEL_LOGS_EXPORTER has no `otlp`: records go nowhere by choice, and none counts as dropped. */
  private logsOff = false;
  private readonly logQueueSize: number;
  private notExportedCounter: Promise<import('@opentelemetry/api').Counter | undefined> | undefined;
  /** Where records that did not leave are counted, by the action in their attributes. */
  notExported: NotExportedSink = () => {};
  /** Set while the app's SDK MeterProvider takes the metric actions' points (on the main thread). */
  private appMeter: ((point: MetricPoint) => void) | undefined;

  constructor(
    private readonly agentId: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {
    this.statsd = exporterNames(env, 'metrics').includes('statsd') ? new StatsdExport(agentId, env, log) : undefined;
    this.logQueueSize = this.number('OTEL_BLRP_MAX_QUEUE_SIZE') ?? DEFAULT_LOG_QUEUE;
  }

  /**
   * One log record, at the time of its hit (epoch ms); `attributes` are kept as they are, not
   * copied (the caller shares one object among an action's records and never changes it).
   * False when the record was dropped because the exporter's queue is full (the caller counts it).
   */
  emit(level: LogLevel, message: string, timeMs: number, attributes: LogAttributes, parent: TraceParent): boolean {
    if (this.logs === undefined) {
      this.logs = this.createLogs();
      // Once the SDK is loaded, records go to it at once rather than through a promise each.
      void this.logs.then((logs) => {
        this.readyLogs = logs;
      });
    }
    if (this.logsOff) return true;
    if (this.logsQueued >= this.logQueueSize) return false;
    this.logsQueued++;
    if (this.readyLogs !== undefined) this.readyLogs.emit(level, message, timeMs, attributes, parent);
    else
      void this.logs.then((logs) => {
        if (logs === undefined) this.logsQueued--;
        else logs.emit(level, message, timeMs, attributes, parent);
      });
    return true;
  }

  /**
   * Adds to `liveprobe.hits.not_exported`, on the agent's own MeterProvider, when metrics go out
   * over OTLP; a `sampled` count names its limit in `liveprobe.limit` (`rate`, `bytes` or `cpu`).
   */
  countNotExported(actionId: string, reason: NotExportedReason, count: number, limit: SampledLimit | undefined): void {
    if (!exporterNames(this.env, 'metrics').includes('otlp')) return;
    this.notExportedCounter ??= this.createMeter().then((created) => {
      if (created === undefined) return undefined;
      this.providers.push(created.provider);
      return created.meter.createCounter('liveprobe.hits.not_exported', {
        unit: '{hit}',
        description: 'hits of liveprobe actions that were not exported: sampled out, or dropped by the exporter',
      });
    });
    const attributes = {
      'liveprobe.action.id': actionId,
      'liveprobe.reason': reason,
      ...(limit === undefined ? {} : { 'liveprobe.limit': limit }),
    };
    void this.notExportedCounter.then((counter) => counter?.add(count, attributes));
  }

  emitSpan(span: SpanToExport): void {
    this.tracer ??= this.createTracer();
    void this.tracer.then((tracer) =>
      tracer?.startSpan(span.name, { attributes: span.attributes, startTime: span.time }, parentContext(span)).end(span.time),
    );
  }

  /**
   * Metrics go to the app's SDK MeterProvider when LiveprobeInstrumentation handed one over
   * (`useAppMeter`); otherwise through the agent's own MeterProviders, one per action: the SDK
   * cannot delete an instrument, but shutting the action's provider down exports its last points
   * and ends its series.
   */
  record(point: MetricPoint): void {
    this.statsd?.record(point);
    if (this.appMeter !== undefined) return this.appMeter(point);
    if (!exporterNames(this.env, 'metrics').includes('otlp')) return;
    const { action } = point;
    let meter = this.meters.get(action.id);
    if (meter === undefined) {
      meter = this.createMeter().then(
        (created) => created && { provider: created.provider, record: recorderFor(created.meter, instrumentSpec(action)) },
      );
      this.meters.set(action.id, meter);
    }
    void meter.then((m) => m?.record(point.value, point.attributes));
  }

  /** The app's MeterProvider collects metrics now (`send` hands it each point), or no longer (undefined). */
  useAppMeter(send: ((point: MetricPoint) => void) | undefined): void {
    this.appMeter = send;
  }

  /** The action is gone (removed, expired, at its hit limit): flush its last points and stop its series. */
  endMetrics(actionId: string): void {
    const meter = this.meters.get(actionId);
    if (meter === undefined) return;
    this.meters.delete(actionId);
    void meter
      .then((m) => m?.provider.shutdown())
      .catch((err: unknown) => this.log(`could not flush the metrics of ${actionId}: ${String(err)}`));
  }

  /** Exports everything recorded so far: the app is exiting, and batches would otherwise wait for their timers. */
  async flush(): Promise<void> {
    // Records emitted while a provider was still being created wait on that promise: settle them first.
    await Promise.all([this.logs, this.tracer]);
    const meters = await Promise.all(this.meters.values());
    await Promise.all([...this.providers, ...meters.flatMap((m) => (m === undefined ? [] : [m.provider]))].map((p) => p.forceFlush()));
  }

  async shutdown(): Promise<void> {
    const meters = await Promise.all(this.meters.values());
    this.meters.clear();
    await Promise.all([
      ...[...this.providers, ...meters.flatMap((m) => (m === undefined ? [] : [m.provider]))].map((p) => p.shutdown()),
      this.statsd?.shutdown(),
    ]);
  }

  private async createLogs(): Promise<LogPipeline | undefined> {
    const protocol = this.protocol('logs');
    if (protocol === undefined) {
      // Set before the first await, so the emit that created the logger already sees it.
      this.logsOff = true;
      return undefined;
    }
    const [{ BatchLogRecordProcessor }, exporter, resource] = await Promise.all([
      import('./log-batching.js'),
      logExporter(protocol),
      this.sharedResource(),
    ]);
    const batching = {
      scheduledDelayMillis: this.number('OTEL_BLRP_SCHEDULE_DELAY'),
      exportTimeoutMillis: this.number('OTEL_BLRP_EXPORT_TIMEOUT'),
      maxQueueSize: this.number('OTEL_BLRP_MAX_QUEUE_SIZE'),
      maxExportBatchSize: this.number('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
    };
    const processor = new BatchLogRecordProcessor({ exporter: this.countedExporter(exporter), ...batching });
    const logs = new LogPipeline(processor, resource, { name: 'liveprobe', version: AGENT_VERSION });
    this.providers.push(logs);
    return logs;
  }

  /** The exporter, telling how many records left the queue and which failed to export. */
  private countedExporter(exporter: LogRecordExporter): LogRecordExporter {
    return {
      export: (records, done) => {
        this.logsQueued -= records.length;
        exporter.export(records, (result) => {
          // 0 is ExportResultCode.SUCCESS: the constant is not worth loading @opentelemetry/core at start.
          if (result.code !== 0) {
            for (const [actionId, count] of byAction(records)) this.notExported(actionId, 'export_failed', count);
          }
          done(result);
        });
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
  }

  private async createTracer(): Promise<import('@opentelemetry/api').Tracer | undefined> {
    const protocol = this.protocol('traces');
    if (protocol === undefined) return undefined;
    // The shim's BatchSpanProcessor reads OTEL_BSP_* itself.
    const [{ BasicTracerProvider, BatchSpanProcessor }, exporter, resource] = await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      traceExporter(protocol),
      this.sharedResource(),
    ]);
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
    this.providers.push(provider);
    return provider.getTracer('liveprobe', AGENT_VERSION);
  }

  private async createMeter(): Promise<{ provider: Provider; meter: Meter } | undefined> {
    const protocol = this.protocol('metrics');
    if (protocol === undefined) return undefined;
    const [{ MeterProvider, PeriodicExportingMetricReader }, exporter, resource] = await Promise.all([
      import('@opentelemetry/sdk-metrics'),
      metricExporter(protocol),
      this.sharedResource(),
    ]);
    const reader = new PeriodicExportingMetricReader({
      exporter,
      ...(this.number('OTEL_METRIC_EXPORT_INTERVAL') === undefined
        ? {}
        : { exportIntervalMillis: this.number('OTEL_METRIC_EXPORT_INTERVAL') }),
      ...(this.number('OTEL_METRIC_EXPORT_TIMEOUT') === undefined
        ? {}
        : { exportTimeoutMillis: this.number('OTEL_METRIC_EXPORT_TIMEOUT') }),
    });
    const provider = new MeterProvider({ resource, readers: [reader] });
    return { provider, meter: provider.getMeter('liveprobe', AGENT_VERSION) };
  }

  /** The configured OTLP protocol for a signal, or undefined (with one log line) when it is off or unsupported. */
  private protocol(signal: Signal): Protocol | undefined {
    const names = exporterNames(this.env, signal);
    const supported = signal === 'metrics' ? ['otlp', 'statsd', 'none'] : ['otlp', 'none'];
    const unknown = names.filter((name) => !supported.includes(name));
    if (unknown.length > 0) {
      this.log(`${EXPORTER_VARS[signal]}=${unknown.join(',')} is not supported by the agent's own exporter; use ${supported.join(', ')}`);
    }
    if (!names.includes('otlp')) return undefined;
    const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`;
    const protocol = (this.env[specific] ?? this.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
    if (protocol === 'grpc' || protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
    this.log(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not one of grpc, http/protobuf, http/json; ${signal} are not exported`);
    return undefined;
  }

  private sharedResource(): Promise<Resource> {
    this.resource ??= import('@opentelemetry/resources').then((r) =>
      r
        .defaultResource()
        .merge(r.detectResources({ detectors: [r.envDetector] }))
        .merge(r.resourceFromAttributes({ 'service.instance.id': this.agentId })),
    );
    return this.resource;
  }

  /** The standard batch settings; this SDK line no longer reads the log ones from the environment itself. */
  private number(name: string): number | undefined {
    const text = this.env[name]?.trim();
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (Number.isFinite(value) && value >= 0) return value;
    this.log(`${name}=${text} is not a non-negative number; using the default`);
    return undefined;
  }
}

const EXPORTER_VARS: Record<Signal, string> = {
  logs: 'OTEL_LOGS_EXPORTER',
  traces: 'OTEL_TRACES_EXPORTER',
  metrics: 'OTEL_METRICS_EXPORTER',
};

/** OTEL_*_EXPORTER as the specification reads it: a comma-separated list, `otlp` when unset; `none` alone turns the signal off. */
function exporterNames(env: NodeJS.ProcessEnv, signal: Signal): string[] {
  const names = (env[EXPORTER_VARS[signal]] ?? 'otlp')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length === 0 ? ['otlp'] : names;
}

function byAction(records: readonly ReadableLogRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    const id = record.attributes['liveprobe.action.id'];
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function parentContext(parent: TraceParent): Context {
  if (parent.traceId === undefined || parent.spanId === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.traceFlags ?? TraceFlags.NONE,
    isRemote: true,
  });
}

async function logExporter(protocol: Protocol) {
  switch (protocol) {
    case 'http/protobuf':
      return (await import('./protobuf-log-exporter.js')).protobufLogExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter();
    case 'grpc':
      return new (await import('@opentelemetry/exporter-logs-otlp-grpc')).OTLPLogExporter();
  }
}

async function traceExporter(protocol: Protocol) {
  switch (protocol) {
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  }
}

async function metricExporter(protocol: Protocol) {
  switch (protocol) {
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter();
    case 'grpc':
      return new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter();
  }
}

/** The instrument a metric action records into, on whichever MeterProvider. */
export function instrumentSpec(action: AnyMetricAction): InstrumentSpec {
  const described = defined({ description: action.description });
  switch (action.type) {
    case 'counter':
      return { name: action.name, kind: 'counter', unit: action.unit, ...described };
    case 'tictoc':
    case 'duration':
      return { name: action.name, kind: 'histogram', unit: 's', seconds: true, ...described };
    case 'metric':
      return {
        name: action.name,
        kind: action.instrument === 'gauge' ? 'gauge' : 'histogram',
        ...defined({ unit: action.unit }),
        ...described,
      };
  }
}
