/**
 * The agent's OTLP http/protobuf log exporter: OpenTelemetry's own (its HTTP transport, retries,
 * OTEL_EXPORTER_OTLP_* settings, response handling), built from the same public parts as the
 * SDK's OTLPLogExporter, with the request encoded by log-encoding.ts, which encodes an action's
 * shared attributes once instead of once per record.
 */
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** The component type OpenTelemetry's own http/protobuf log exporter reports in its self-observability metrics. */
const COMPONENT_TYPE = 'otlp_http_log_exporter';

export async function protobufLogExporter(): Promise<LogRecordExporter> {
  const [{ OTLPExporterBase }, { convertLegacyHttpOptions, createOtlpHttpExportDelegate }, transformer, { encodeLogsRequest }] =
    await Promise.all([
      import('@opentelemetry/otlp-exporter-base'),
      import('@opentelemetry/otlp-exporter-base/node-http'),
      import('@opentelemetry/otlp-transformer'),
      import('./log-encoding.js'),
    ]);
  const serializer = {
    serializeRequest: (records: ReadableLogRecord[]) => encodeLogsRequest(records),
    deserializeResponse: (data: Uint8Array) => transformer.ProtobufLogsSerializer.deserializeResponse(data),
  };
  const options = convertLegacyHttpOptions({}, 'LOGS', 'v1/logs', { 'Content-Type': 'application/x-protobuf' });
  return new OTLPExporterBase(
    createOtlpHttpExportDelegate(options, serializer, COMPONENT_TYPE, transformer.LogsExporterMetricsHelper, undefined),
  );
}
