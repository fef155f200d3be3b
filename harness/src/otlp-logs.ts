// OTLP log export requests decoded (JSON or protobuf) into flat records a test can assert on.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** One OTLP log record, flattened with its resource for easy assertions. */
export interface LogRecord {
  body: unknown;
  severityText: string;
  severityNumber: number;
  /** When the hit happened, epoch ms (0 when the record carries no time). */
  timeMs: number;
  attributes: Record<string, unknown>;
  /** Hex, '' when the record carries no trace context. */
  traceId: string;
  spanId: string;
  resource: Record<string, unknown>;
}

// @opentelemetry/otlp-transformer only encodes requests (its reader decodes export responses),
// so requests are decoded with protobufjs from the official .proto files vendored in harness/proto.
const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));
const requestTypes = new Map<string, protobuf.Type>();

/** An Export*ServiceRequest in binary protobuf, as the OTLP/JSON shape (ids still base64). */
export function decodeProtobufRequest(signal: 'logs' | 'trace' | 'metrics', body: Uint8Array): object {
  let type = requestTypes.get(signal);
  if (type === undefined) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => protoDir + target;
    root.loadSync(`opentelemetry/proto/collector/${signal}/v1/${signal}_service.proto`);
    type = root.lookupType(
      `opentelemetry.proto.collector.${signal}.v1.Export${{ logs: 'Logs', trace: 'Trace', metrics: 'Metrics' }[signal]}ServiceRequest`,
    );
    requestTypes.set(signal, type);
  }
  // longs as numbers and bytes as base64 give exactly the OTLP/JSON shape, except for ids.
  return type.toObject(type.decode(body), { longs: Number, bytes: String });
}

export const base64IdToHex = (id: string): string => Buffer.from(id, 'base64').toString('hex');

/** The records of an ExportLogsServiceRequest in binary protobuf encoding. */
export function decodeProtobufLogs(body: Uint8Array): LogRecord[] {
  return flatten(decodeProtobufRequest('logs', body) as Request, base64IdToHex);
}

/** The records of an ExportLogsServiceRequest in OTLP/JSON encoding (ids already hex). */
export function decodeJsonLogs(body: Uint8Array): LogRecord[] {
  return flatten(JSON.parse(Buffer.from(body).toString('utf8')), (id) => id.toLowerCase());
}

// The subset of the OTLP/JSON request shape read here.
export interface KeyValue {
  key: string;
  value?: AnyValue;
}
export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
interface Request {
  resourceLogs?: {
    resource?: { attributes?: KeyValue[] };
    scopeLogs?: {
      logRecords?: {
        body?: AnyValue;
        severityText?: string;
        severityNumber?: number;
        timeUnixNano?: number | string;
        attributes?: KeyValue[];
        traceId?: string;
        spanId?: string;
      }[];
    }[];
  }[];
}

function flatten(request: Request, idToHex: (id: string) => string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = attributes(resourceLogs.resource?.attributes);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        records.push({
          body: value(record.body),
          severityText: record.severityText ?? '',
          severityNumber: record.severityNumber ?? 0,
          timeMs: Number(record.timeUnixNano ?? 0) / 1e6,
          attributes: attributes(record.attributes),
          traceId: record.traceId === undefined ? '' : idToHex(record.traceId),
          spanId: record.spanId === undefined ? '' : idToHex(record.spanId),
          resource,
        });
      }
    }
  }
  return records;
}

export function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

function value(any: AnyValue | undefined): unknown {
  if (any === undefined) return undefined;
  if (any.stringValue !== undefined) return any.stringValue;
  if (any.boolValue !== undefined) return any.boolValue;
  if (any.intValue !== undefined) return Number(any.intValue);
  if (any.doubleValue !== undefined) return any.doubleValue;
  if (any.bytesValue !== undefined) return any.bytesValue;
  if (any.arrayValue !== undefined) return (any.arrayValue.values ?? []).map(value);
  if (any.kvlistValue !== undefined) return attributes(any.kvlistValue.values);
  return undefined;
}
