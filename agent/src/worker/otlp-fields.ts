/**
 * The general part of the agent's OTLP log encoding (log-encoding.ts): AnyValues, attributes,
 * resource and scope, written byte by byte into arrays. Slow, and run once per attributes object,
 * resource or scope, whose bytes are then kept; what it writes matches OpenTelemetry's own
 * serializer (test/agent/worker/log-encoding.test.ts).
 */
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

const utf8 = new TextEncoder();

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

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
export function anyValue(value: unknown): number[] {
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
export function keyValues(attributes: object, field: number): number[] {
  const out: number[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    const pair: number[] = [];
    pushField(pair, 1, utf8.encode(key));
    pushField(pair, 2, anyValue(value));
    pushField(out, field, pair);
  }
  return out;
}

export function cached<T extends object>(cache: WeakMap<object, Uint8Array>, of: T, encode: (of: T) => number[]): Uint8Array {
  let bytes = cache.get(of);
  if (bytes === undefined) {
    bytes = Uint8Array.from(encode(of));
    cache.set(of, bytes);
  }
  return bytes;
}

export const encodeResource = (resource: ReadableLogRecord['resource']): number[] => {
  const out = keyValues(resource.attributes, 1);
  // The SDK's Resource keeps no count of dropped attributes: 0, written as OpenTelemetry's serializer does.
  out.push(0x10, 0);
  return out;
};

export const encodeScope = (
  scope: ReadableLogRecord['instrumentationScope'] & { attributes?: object; droppedAttributesCount?: number },
) => {
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
export function schemaUrl(url: string | undefined): Uint8Array {
  const out: number[] = [];
  if (url) pushField(out, 3, utf8.encode(url));
  return Uint8Array.from(out);
}
