/**
 * The agent's log records in OTLP's binary protobuf (an ExportLogsServiceRequest), for its
 * http/protobuf exporter. What OpenTelemetry's own serializer writes, field for field, except
 * that a record's attributes are encoded once per attributes object rather than once per record:
 * every record of an action shares one frozen object (hit-relay.ts), and its five attributes were
 * four fifths of what encoding a record cost (docs/BENCHMARKS.md, every-request logging).
 * The hot path writes each record's own fields into a buffer sized exactly beforehand; the
 * resource, scope and attributes go through the slow general encoder once and are kept as bytes.
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { fieldSize, utf8Length, varintSize, Writer } from './log-buffer.js';
import { anyValue, cached, encodeResource, encodeScope, keyValues, schemaUrl } from './otlp-fields.js';

/** Each attributes object's KeyValues (field 6 of a LogRecord), encoded on first use. */
const attributesBytes = new WeakMap<object, Uint8Array>();
/** Each resource's and scope's fields, encoded on first use. */
const resourceBytes = new WeakMap<object, Uint8Array>();
const scopeBytes = new WeakMap<object, Uint8Array>();

/** A body that is not a string (the agent's always are) goes through the general encoder. */
const bodyValue = (body: unknown): number[] | undefined => (typeof body === 'string' || body === undefined ? undefined : anyValue(body));

/** What a record needs written besides its size: kept from the sizing pass for the writing one. */
interface Sized {
  record: ReadableLogRecord;
  size: number;
  attributes: Uint8Array;
  text: number;
  body: number;
  otherBody: number[] | undefined;
}

/** The last attributes object encoded and its bytes: a batch's records mostly follow one another by action. */
let lastAttributes: object | undefined;
let lastBytes: Uint8Array = new Uint8Array();

function attributesOf(attributes: object): Uint8Array {
  if (attributes !== lastAttributes) {
    lastBytes = cached(attributesBytes, attributes, (of) => keyValues(of, 6));
    lastAttributes = attributes;
  }
  return lastBytes;
}

function sized(record: ReadableLogRecord): Sized {
  const attributes = attributesOf(record.attributes);
  const text = record.severityText ? utf8Length(record.severityText) : 0;
  const otherBody = bodyValue(record.body);
  const body = typeof record.body === 'string' ? utf8Length(record.body) : 0;
  const context = record.spanContext;
  let size = 9 + attributes.length + 1 + varintSize(record.droppedAttributesCount) + 9;
  if (record.severityNumber !== undefined && record.severityNumber !== 0) size += 1 + varintSize(record.severityNumber);
  if (text > 0) size += fieldSize(text);
  if (typeof record.body === 'string') size += fieldSize(fieldSize(body));
  else if (otherBody !== undefined) size += fieldSize(otherBody.length);
  if (context?.traceFlags) size += 5;
  if (context?.traceId) size += fieldSize(context.traceId.length / 2);
  if (context?.spanId) size += fieldSize(context.spanId.length / 2);
  if (record.eventName) size += fieldSize(utf8Length(record.eventName));
  return { record, size, attributes, text, body, otherBody };
}

function writeRecord(out: Writer, { record, size, attributes, text, body, otherBody }: Sized): void {
  out.buffer[out.pos++] = 0x12; // ScopeLogs.log_records
  out.varint(size);
  out.time(0x09, record.hrTime);
  if (record.severityNumber !== undefined && record.severityNumber !== 0) {
    out.buffer[out.pos++] = 0x10;
    out.varint(record.severityNumber);
  }
  if (text > 0) {
    out.buffer[out.pos++] = 0x1a;
    out.string(record.severityText!, text);
  }
  if (typeof record.body === 'string') {
    out.buffer[out.pos++] = 0x2a;
    out.varint(fieldSize(body));
    out.buffer[out.pos++] = 0x0a; // AnyValue.string_value
    out.string(record.body, body);
  } else if (otherBody !== undefined) {
    out.buffer[out.pos++] = 0x2a;
    out.varint(otherBody.length);
    out.bytes(otherBody);
  }
  out.bytes(attributes);
  out.buffer[out.pos++] = 0x38;
  out.varint(record.droppedAttributesCount);
  const context = record.spanContext;
  if (context?.traceFlags) {
    out.buffer[out.pos++] = 0x45;
    out.buffer.writeUInt32LE(context.traceFlags, out.pos);
    out.pos += 4;
  }
  if (context?.traceId) out.hex(0x4a, context.traceId);
  if (context?.spanId) out.hex(0x52, context.spanId);
  out.time(0x59, record.hrTimeObserved);
  if (record.eventName) {
    out.buffer[out.pos++] = 0x62;
    out.string(record.eventName, utf8Length(record.eventName));
  }
}

/** The records as one ExportLogsServiceRequest, grouped by resource, then by scope. */
export function encodeLogsRequest(records: readonly ReadableLogRecord[]): Uint8Array {
  const groups = new Map<ReadableLogRecord['resource'], Map<ReadableLogRecord['instrumentationScope'], Sized[]>>();
  for (const record of records) {
    let scopes = groups.get(record.resource);
    if (scopes === undefined) groups.set(record.resource, (scopes = new Map()));
    let list = scopes.get(record.instrumentationScope);
    if (list === undefined) scopes.set(record.instrumentationScope, (list = []));
    list.push(sized(record));
  }
  const layout = [...groups].map(([resource, scopes]) => {
    // A resource still waiting for attributes from an asynchronous detector gains them later: not kept yet.
    const resourceFields = resource.asyncAttributesPending
      ? Uint8Array.from(encodeResource(resource))
      : cached(resourceBytes, resource, encodeResource);
    const resourceSchema = schemaUrl(resource.schemaUrl);
    const scopeLogs = [...scopes].map(([scope, list]) => {
      const scopeFields = cached(scopeBytes, scope, encodeScope);
      const scopeSchema = schemaUrl(scope.schemaUrl);
      let size = fieldSize(scopeFields.length) + scopeSchema.length;
      for (const item of list) size += fieldSize(item.size);
      return { scopeFields, scopeSchema, list, size };
    });
    let size = fieldSize(resourceFields.length) + resourceSchema.length;
    for (const scope of scopeLogs) size += fieldSize(scope.size);
    return { resourceFields, resourceSchema, scopeLogs, size };
  });
  let total = 0;
  for (const resource of layout) total += fieldSize(resource.size);
  const out = new Writer(Buffer.allocUnsafe(total));
  for (const { resourceFields, resourceSchema, scopeLogs, size } of layout) {
    out.buffer[out.pos++] = 0x0a; // ExportLogsServiceRequest.resource_logs
    out.varint(size);
    out.buffer[out.pos++] = 0x0a; // ResourceLogs.resource
    out.varint(resourceFields.length);
    out.bytes(resourceFields);
    for (const scope of scopeLogs) {
      out.buffer[out.pos++] = 0x12; // ResourceLogs.scope_logs
      out.varint(scope.size);
      out.buffer[out.pos++] = 0x0a; // ScopeLogs.scope
      out.varint(scope.scopeFields.length);
      out.bytes(scope.scopeFields);
      for (const item of scope.list) writeRecord(out, item);
      out.bytes(scope.scopeSchema);
    }
    out.bytes(resourceSchema);
  }
  return out.buffer;
}
