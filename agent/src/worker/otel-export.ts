/**
 * Exports log records when the app registered no OpenTelemetry SDK of its own: a private
 * LoggerProvider configured from the standard OTEL_* variables, created on first use.
 */
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Logger, LogAttributes } from '@opentelemetry/api-logs';
import type { LogLevel } from '@liveprobe/protocol';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import { AGENT_VERSION } from './broker-link.js';

const SEVERITY_NUMBER: Record<LogLevel, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export interface RecordToExport {
  level: LogLevel;
  message: string;
  time: number;
  attributes: LogAttributes;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
}

export class OtelExport {
  private provider: Promise<{ provider: LoggerProvider; logger: Logger } | undefined> | undefined;

  constructor(
    private readonly agentId: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  emit(record: RecordToExport): void {
    this.provider ??= this.create();
    void this.provider.then((p) => {
      if (p === undefined) return;
      const context = record.traceId !== undefined && record.spanId !== undefined
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: record.traceId, spanId: record.spanId, traceFlags: record.traceFlags ?? TraceFlags.NONE, isRemote: true })
        : ROOT_CONTEXT;
      p.logger.emit({
        timestamp: record.time,
        severityNumber: SEVERITY_NUMBER[record.level],
        severityText: record.level.toUpperCase(),
        body: record.message,
        attributes: record.attributes,
        context,
      });
    });
  }

  async shutdown(): Promise<void> {
    const p = await this.provider;
    await p?.provider.shutdown();
  }

  /** The standard batch settings; this SDK line no longer reads them from the environment itself. */
  private number(name: string): number | undefined {
    const text = this.env[name]?.trim();
    if (text === undefined || text === '') return undefined;
    const value = Number(text);
    if (Number.isFinite(value) && value >= 0) return value;
    this.log(`${name}=${text} is not a non-negative number; using the default`);
    return undefined;
  }

  private async create(): Promise<{ provider: LoggerProvider; logger: Logger } | undefined> {
    const exporterName = (this.env.OTEL_LOGS_EXPORTER ?? 'otlp').trim();
    if (exporterName === 'none') return undefined;
    if (exporterName !== 'otlp') {
      this.log(`OTEL_LOGS_EXPORTER=${exporterName} is not supported by the agent's own exporter; use otlp or none`);
      return undefined;
    }
    const protocol = (this.env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL ?? this.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
    const [{ BatchLogRecordProcessor, LoggerProvider }, resources, exporter] = await Promise.all([
      import('@opentelemetry/sdk-logs'),
      import('@opentelemetry/resources'),
      createExporter(protocol),
    ]);
    if (exporter === undefined) {
      this.log(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not one of grpc, http/protobuf, http/json; log records are not exported`);
      return undefined;
    }
    const resource = resources.defaultResource()
      .merge(resources.detectResources({ detectors: [resources.envDetector] }))
      .merge(resources.resourceFromAttributes({ 'service.instance.id': this.agentId }));
    const batching = {
      scheduledDelayMillis: this.number('OTEL_BLRP_SCHEDULE_DELAY'),
      exportTimeoutMillis: this.number('OTEL_BLRP_EXPORT_TIMEOUT'),
      maxQueueSize: this.number('OTEL_BLRP_MAX_QUEUE_SIZE'),
      maxExportBatchSize: this.number('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
    };
    const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter, ...batching })] });
    return { provider, logger: provider.getLogger('liveprobe', AGENT_VERSION) };
  }
}

async function createExporter(protocol: string) {
  switch (protocol) {
    case 'http/protobuf': return new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter();
    case 'http/json': return new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter();
    case 'grpc': return new (await import('@opentelemetry/exporter-logs-otlp-grpc')).OTLPLogExporter();
    default: return undefined;
  }
}
