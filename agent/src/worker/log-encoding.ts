/**
 * The agent's log records in OTLP's binary protobuf (an ExportLogsServiceRequest), for its
 * http/protobuf exporter. What OpenTelemetry's own serializer writes, field for field, except
 * that a record's attributes are encoded once per attributes object rather than once per record:
 * every record of an action shares one frozen object (hit-relay.ts), and its five attributes were
 * four fifths of what encoding a record cost (docs/BENCHMARKS.md, every-request logging).
 * The hot path writes each record's own fields into a buffer sized exactly beforehand; the
 * resource, scope and attributes go through the slow general encoder once and are kept as bytes.
 */
import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

const utf8 = new TextEncoder();
/** Each attributes object's KeyValues (field 6 of a LogRecord), encoded on first use. */
const attributesBytes = new WeakMap<object, Uint8Array>();
/** Each resource's and scope's fields, encoded on first use. */
const resourceBytes = new WeakMap<object, Uint8Array>();
const scopeBytes = new WeakMap<object, Uint8Array>();

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

// ---- the general encoder: run once per attributes object, resource or scope ----

function pushVarint(out: number[], value: bigint): void {
  let rest = BigInt.asUintN(64, value);
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
}

function pushField(out: number[], field: number, payload: ArrayLike<number>): void {
  pushVarint(out, BigInt((field << 3) | 2));
  pushVarint(out, BigInt(payload.length));
  for (let i = 0; i < payload.length; i++) out.push(payload[i]!);
}

/** An AnyValue's fields; nothing for a value OTLP has no place for (as OpenTelemetry's serializer). */
function anyValue(value: unknown): number[] {
  const out: number[] = [];
  if (typeof value === 'string') pushField(out, 1, utf8.encode(value));
  else if (typeof value === 'boolean') out.push(0x10, value ? 1 : 0);
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_MAX) {
      out.push(0x18);
      pushVarint(out, BigInt(value));
    } else {
      out.push(0x21);
      out.push(...new Uint8Array(new Float64Array([value]).buffer));
    }
  } else if (value instanceof Uint8Array) pushField(out, 7, value);
  else if (Array.isArray(value)) {
    const items: number[] = [];
    for (const item of value) pushField(items, 1, anyValue(item));
    pushField(out, 5, items);
  } else if (typeof value === 'object' && value !== null) pushField(out, 6, keyValues(value, 1));
  return out;
}

/** Each own property as a KeyValue in `field`. */
function keyValues(attributes: object, field: number): number[] {
  const out: number[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    const pair: number[] = [];
    pushField(pair, 1, utf8.encode(key));
    pushField(pair, 2, anyValue(value));
    pushField(out, field, pair);
  }
  return out;
}

function cached<T extends object>(cache: WeakMap<object, Uint8Array>, of: T, encode: (of: T) => number[]): Uint8Array {
  let bytes = cache.get(of);
  if (bytes === undefined) {
    bytes = Uint8Array.from(encode(of));
    cache.set(of, bytes);
  }
  return bytes;
}

const encodeResource = (resource: ReadableLogRecord['resource']): number[] => {
  const out = keyValues(resource.attributes, 1);
  // The SDK's Resource keeps no count of dropped attributes: 0, written as OpenTelemetry's serializer does.
  out.push(0x10, 0);
  return out;
};

const encodeScope = (scope: ReadableLogRecord['instrumentationScope'] & { attributes?: object; droppedAttributesCount?: number }) => {
  const out: number[] = [];
  pushField(out, 1, utf8.encode(scope.name));
  if (scope.version) pushField(out, 2, utf8.encode(scope.version));
  if (scope.attributes !== undefined) out.push(...keyValues(scope.attributes, 3));
  if (scope.droppedAttributesCount) {
    out.push(0x20);
    pushVarint(out, BigInt(scope.droppedAttributesCount));
  }
  return out;
};

/** A ResourceLogs' or ScopeLogs' schema_url (field 3), or nothing. */
function schemaUrl(url: string | undefined): Uint8Array {
  const out: number[] = [];
  if (url) pushField(out, 3, utf8.encode(url));
  return Uint8Array.from(out);
}

// ---- the hot path: each record's own fields, into a buffer of exactly the request's size ----

function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** A length-delimited field's size: tag (one byte: every field here is below 16), length, payload. */
const fieldSize = (length: number): number => 1 + varintSize(length) + length;

/** UTF-8 length; an ASCII string (a log line, mostly) is measured without a call into C++. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text);
  return text.length;
}

/** A body that is not a string (the agent's always are) goes through the general encoder. */
const bodyValue = (body: unknown): number[] | undefined => (typeof body === 'string' || body === undefined ? undefined : anyValue(body));

class Writer {
  pos = 0;
  constructor(readonly buffer: Buffer) {}

  varint(value: number): void {
    while (value >= 0x80) {
      this.buffer[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.pos++] = value;
  }

  bytes(bytes: ArrayLike<number>): void {
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** `length` from utf8Length: equal to the string's length when it is ASCII, copied here without a call into C++. */
  string(text: string, length: number): void {
    this.varint(length);
    if (length === text.length) {
      const { buffer } = this;
      let pos = this.pos;
      for (let i = 0; i < length; i++) buffer[pos++] = text.charCodeAt(i);
      this.pos = pos;
    } else this.pos += this.buffer.write(text, this.pos, length, 'utf8');
  }

  /**
   * [seconds, nanoseconds] as fixed64 nanoseconds since the epoch, in doubles without BigInt:
   * seconds × 10⁹ is past 2⁵³, so it is taken in two parts that each stay exact.
   */
  time(tag: number, [seconds, nanos]: HrTime): void {
    const low16 = seconds % 65536;
    const upper = ((seconds - low16) / 65536) * 1e9; // × 2¹⁶ still to come
    const upperLow16 = upper % 65536;
    const rest = upperLow16 * 65536 + low16 * 1e9 + nanos;
    const lowWord = rest % 4294967296;
    this.buffer[this.pos++] = tag;
    this.buffer.writeUInt32LE(lowWord, this.pos);
    this.buffer.writeUInt32LE(((upper - upperLow16) / 65536 + (rest - lowWord) / 4294967296) >>> 0, this.pos + 4);
    this.pos += 8;
  }

  hex(tag: number, id: string): void {
    this.buffer[this.pos++] = tag;
    this.buffer[this.pos++] = id.length / 2;
    this.pos += this.buffer.write(id, this.pos, 'hex');
  }
}

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
    const resourceFields = cached(resourceBytes, resource, encodeResource);
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
