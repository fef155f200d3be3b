/**
 * The agent's OTLP http/protobuf log exporter: OpenTelemetry's own (its HTTP transport, retries,
 * OTEL_EXPORTER_OTLP_* settings, response handling), built from the same public parts as the
 * SDK's OTLPLogExporter, with the request encoded by log-encoding.ts, which encodes an action's
 * shared attributes once instead of once per record.
 */
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { LogsExporterMetricsHelper, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsRequest } from './log-encoding.js';

/** The component type OpenTelemetry's own http/protobuf log exporter reports in its self-observability metrics. */
const COMPONENT_TYPE = 'otlp_http_log_exporter';

/**
 * Loaded with the first record (otel-export.ts imports this module then). Its imports are named,
 * not `await import(package)`: the worker's bundle then takes only the logs' part of
 * @opentelemetry/otlp-transformer, without the metrics serializer and the metrics SDK it pulls in.
 */
export function protobufLogExporter(): LogRecordExporter {
  const serializer = {
    serializeRequest: (records: ReadableLogRecord[]) => encodeLogsRequest(records),
    deserializeResponse: (data: Uint8Array) => ProtobufLogsSerializer.deserializeResponse(data),
  };
  const options = convertLegacyHttpOptions({}, 'LOGS', 'v1/logs', { 'Content-Type': 'application/x-protobuf' });
  return new OTLPExporterBase(createOtlpHttpExportDelegate(options, serializer, COMPONENT_TYPE, LogsExporterMetricsHelper, undefined));
}
