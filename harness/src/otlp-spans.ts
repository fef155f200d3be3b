// OTLP trace export requests decoded (JSON or protobuf) into flat spans a test can assert on.
import { attributes, base64IdToHex, decodeProtobufRequest, type KeyValue } from './otlp-logs.js';

/** One OTLP span, flattened with its resource for easy assertions. */
export interface SpanRecord {
  name: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

interface Request {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { spans?: { name?: string; traceId?: string; spanId?: string; parentSpanId?: string; attributes?: KeyValue[] }[] }[];
  }[];
}

export function decodeProtobufSpans(body: Uint8Array): SpanRecord[] {
  return flatten(decodeProtobufRequest('trace', body) as Request, base64IdToHex);
}

export function decodeJsonSpans(body: Uint8Array): SpanRecord[] {
  return flatten(JSON.parse(Buffer.from(body).toString('utf8')) as Request, (id) => id.toLowerCase());
}

function flatten(request: Request, idToHex: (id: string) => string): SpanRecord[] {
  const spans: SpanRecord[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          name: span.name ?? '',
          traceId: span.traceId ? idToHex(span.traceId) : '',
          spanId: span.spanId ? idToHex(span.spanId) : '',
          parentSpanId: span.parentSpanId ? idToHex(span.parentSpanId) : '',
          attributes: attributes(span.attributes),
          resource,
        });
      }
    }
  }
  return spans;
}
