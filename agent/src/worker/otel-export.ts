/**
 * Exports log records and snapshot spans when the app registered no OpenTelemetry SDK of its
 * own: private providers configured from the standard OTEL_* variables, created on first use.
 */
import { ROOT_CONTEXT, trace, TraceFlags, type Attributes, type Context } from '@opentelemetry/api';
import type { Logger, LogAttributes } from '@opentelemetry/api-logs';
import type { LogLevel } from '@liveprobe/protocol';
import type { Resource } from '@opentelemetry/resources';
import { AGENT_VERSION } from './broker-link.js';

const SEVERITY_NUMBER: Record<LogLevel, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export interface TraceParent {
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
}

export interface RecordToExport extends TraceParent {
  level: LogLevel;
  message: string;
  time: number;
  attributes: LogAttributes;
}

export interface SpanToExport extends TraceParent {
  name: string;
  time: number;
  attributes: Attributes;
}

type Signal = 'logs' | 'traces';
type Protocol = 'grpc' | 'http/protobuf' | 'http/json';
interface Shutdown { shutdown(): Promise<void> }

export class OtelExport {
  private logger: Promise<Logger | undefined> | undefined;
  private tracer: Promise<import('@opentelemetry/api').Tracer | undefined> | undefined;
  private resource: Promise<Resource> | undefined;
  private readonly providers: Shutdown[] = [];

  constructor(
    private readonly agentId: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  emit(record: RecordToExport): void {
    this.logger ??= this.createLogger();
    void this.logger.then((logger) => logger?.emit({
      timestamp: record.time,
      severityNumber: SEVERITY_NUMBER[record.level],
      severityText: record.level.toUpperCase(),
      body: record.message,
      attributes: record.attributes,
      context: parentContext(record),
    }));
  }

  emitSpan(span: SpanToExport): void {
    this.tracer ??= this.createTracer();
    void this.tracer.then((tracer) => tracer?.startSpan(span.name, { attributes: span.attributes, startTime: span.time }, parentContext(span)).end(span.time));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.shutdown()));
  }

  private async createLogger(): Promise<Logger | undefined> {
    const protocol = this.protocol('logs');
    if (protocol === undefined) return undefined;
    const [{ BatchLogRecordProcessor, LoggerProvider }, exporter, resource] = await Promise.all([
      import('@opentelemetry/sdk-logs'), logExporter(protocol), this.sharedResource(),
    ]);
    const batching = {
      scheduledDelayMillis: this.number('OTEL_BLRP_SCHEDULE_DELAY'),
      exportTimeoutMillis: this.number('OTEL_BLRP_EXPORT_TIMEOUT'),
      maxQueueSize: this.number('OTEL_BLRP_MAX_QUEUE_SIZE'),
      maxExportBatchSize: this.number('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
    };
    const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter, ...batching })] });
    this.providers.push(provider);
    return provider.getLogger('liveprobe', AGENT_VERSION);
  }

  private async createTracer(): Promise<import('@opentelemetry/api').Tracer | undefined> {
    const protocol = this.protocol('traces');
    if (protocol === undefined) return undefined;
    // The shim's BatchSpanProcessor reads OTEL_BSP_* itself.
    const [{ BasicTracerProvider, BatchSpanProcessor }, exporter, resource] = await Promise.all([
      import('@opentelemetry/sdk-trace-base'), traceExporter(protocol), this.sharedResource(),
    ]);
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
    this.providers.push(provider);
    return provider.getTracer('liveprobe', AGENT_VERSION);
  }

  /** The configured OTLP protocol for a signal, or undefined (with one log line) when it is off or unsupported. */
  private protocol(signal: Signal): Protocol | undefined {
    const exporterVar = signal === 'logs' ? 'OTEL_LOGS_EXPORTER' : 'OTEL_TRACES_EXPORTER';
    const exporterName = (this.env[exporterVar] ?? 'otlp').trim();
    if (exporterName === 'none') return undefined;
    if (exporterName !== 'otlp') {
      this.log(`${exporterVar}=${exporterName} is not supported by the agent's own exporter; use otlp or none`);
      return undefined;
    }
    const specific = signal === 'logs' ? 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL' : 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL';
    const protocol = (this.env[specific] ?? this.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
    if (protocol === 'grpc' || protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
    this.log(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not one of grpc, http/protobuf, http/json; ${signal} are not exported`);
    return undefined;
  }

  private sharedResource(): Promise<Resource> {
    this.resource ??= import('@opentelemetry/resources').then((r) => r.defaultResource()
      .merge(r.detectResources({ detectors: [r.envDetector] }))
      .merge(r.resourceFromAttributes({ 'service.instance.id': this.agentId })));
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

function parentContext(parent: TraceParent): Context {
  if (parent.traceId === undefined || parent.spanId === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.traceFlags ?? TraceFlags.NONE, isRemote: true });
}

async function logExporter(protocol: Protocol) {
  switch (protocol) {
    case 'http/protobuf': return new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter();
    case 'http/json': return new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter();
    case 'grpc': return new (await import('@opentelemetry/exporter-logs-otlp-grpc')).OTLPLogExporter();
  }
}

async function traceExporter(protocol: Protocol) {
  switch (protocol) {
    case 'http/protobuf': return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
    case 'http/json': return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    case 'grpc': return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  }
}
