import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { AuditEntry, AuditSink } from './audit-trail.js';

/**
 * Audit entries as OpenTelemetry log records (event name `liveprobe.audit`), exported over OTLP
 * as the standard OTEL_* variables say. Off unless an OTLP endpoint is configured, so a
 * control plane without a collector does not retry a missing one forever.
 */
export async function otelAuditSink(env: NodeJS.ProcessEnv): Promise<AuditSink | undefined> {
  const exporterName = env.OTEL_LOGS_EXPORTER?.trim() ?? 'otlp';
  const endpoint = env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (exporterName === 'none' || endpoint === undefined || endpoint.trim() === '') return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  // The exporters read their endpoint, headers, timeout and compression from OTEL_* themselves.
  const exporter: LogRecordExporter =
    protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter()
      : new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || 'liveprobe-control-plane' }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('liveprobe.audit');
  return {
    emit(entry: AuditEntry) {
      logger.emit({
        eventName: 'liveprobe.audit',
        timestamp: new Date(entry.time),
        severityNumber: entry.outcome === 'ok' ? SeverityNumber.INFO : SeverityNumber.WARN,
        severityText: entry.outcome === 'ok' ? 'INFO' : 'WARN',
        body: `${entry.actor.name} ${entry.outcome === 'ok' ? 'did' : 'was denied'} ${entry.action}${entry.target === undefined ? '' : ` ${entry.target}`}`,
        attributes: {
          'liveprobe.audit.id': entry.id,
          'liveprobe.audit.action': entry.action,
          'liveprobe.audit.outcome': entry.outcome,
          ...(entry.target === undefined ? {} : { 'liveprobe.audit.target': entry.target }),
          'enduser.id': entry.actor.id,
          'liveprobe.audit.actor.name': entry.actor.name,
          'liveprobe.audit.actor.kind': entry.actor.kind,
          'liveprobe.audit.actor.role': entry.actor.role,
          'client.address': entry.source,
          'http.request.method': entry.request.split(' ')[0] ?? '',
          'url.path': entry.request.split(' ')[1] ?? '',
          ...(entry.userAgent === undefined ? {} : { 'user_agent.original': entry.userAgent }),
          ...(entry.before === undefined ? {} : { 'liveprobe.audit.before': JSON.stringify(entry.before) }),
          ...(entry.after === undefined ? {} : { 'liveprobe.audit.after': JSON.stringify(entry.after) }),
        },
      });
    },
    shutdown: () => provider.shutdown(),
  };
}
