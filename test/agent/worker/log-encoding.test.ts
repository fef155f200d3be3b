/**
 * The agent's own encoding of log export requests (log-encoding.ts) tells a collector exactly
 * what OpenTelemetry's serializer would: both encodings of the same records, decoded with
 * protobufjs from the official .proto files, are the same request, field for field (times,
 * severities, bodies, attributes of every value type, trace context, resource, scope, schema
 * URLs), including when records share one attributes object, as an action's records do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { decodeProtobufRequest } from '@liveprobe/harness';
import { encodeLogsRequest } from '../../../agent/src/worker/log-encoding.js';

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const scalar = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true }),
  fc.constantFrom(2 ** 60, -(2 ** 63), 2 ** 63, Number.MAX_VALUE),
);
const attributes = fc.dictionary(fc.string(), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 6 });
const time = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }));
const resources = [
  resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'agent-1', 'process.pid': 4242 }),
  resourceFromAttributes({ 'service.name': 'späti ☕', 'host.ids': ['a', 'b'] }, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
];
const scopes = [
  { name: 'liveprobe', version: '0.1.0' },
  { name: 'other', schemaUrl: 'https://example.com/schema' },
];

function record(shared: Record<string, unknown>[]) {
  return fc.record({
    hrTime: time,
    hrTimeObserved: time,
    severityNumber: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
    severityText: fc.option(fc.constantFrom('INFO', 'WARN', ''), { nil: undefined }),
    body: fc.option(
      fc.oneof(
        fc.string({ unit: 'grapheme' }),
        fc.string({ unit: 'binary' }),
        fc.integer(),
        fc.dictionary(fc.string(), scalar, { maxKeys: 2 }),
      ),
      {
        nil: undefined,
      },
    ),
    attributes: fc.oneof(attributes, fc.constantFrom(...shared)),
    droppedAttributesCount: fc.nat(300),
    spanContext: fc.option(fc.record({ traceId: hex(16), spanId: hex(8), traceFlags: fc.constantFrom(0, 1) }), { nil: undefined }),
    eventName: fc.option(fc.constantFrom('', 'order.placed'), { nil: undefined }),
    resource: fc.constantFrom(...resources),
    instrumentationScope: fc.constantFrom(...scopes),
  });
}

const decoded = (bytes: Uint8Array | undefined) => decodeProtobufRequest('logs', bytes ?? new Uint8Array());

test('log records encode as OpenTelemetry would encode them, whatever their fields', () => {
  const shared = [Object.freeze({ 'code.file.path': '/srv/app.js', 'code.line.number': 33, 'liveprobe.action.id': 'a-1' }), {}];
  fc.assert(
    fc.property(fc.array(record(shared), { maxLength: 12 }), (drawn) => {
      const records = drawn as unknown as ReadableLogRecord[];
      assert.deepEqual(decoded(encodeLogsRequest(records)), decoded(ProtobufLogsSerializer.serializeRequest(records)));
    }),
    { numRuns: 300 },
  );
});

test("an action's records sharing one attributes object each carry all of them, however many records there are", () => {
  const shared = Object.freeze({ 'code.file.path': '/srv/app.js', 'code.line.number': 33, 'code.function.name': 'handle' });
  const records = Array.from({ length: 600 }, (_, i) => ({
    hrTime: [1_765_000_000 + i, i] as [number, number],
    hrTimeObserved: [1_765_000_001 + i, 0] as [number, number],
    severityNumber: 9,
    severityText: 'INFO',
    body: `order ${i} total ${i * 3}`,
    attributes: shared,
    droppedAttributesCount: 0,
    spanContext: undefined,
    eventName: undefined,
    resource: resources[0]!,
    instrumentationScope: scopes[0]!,
  })) as unknown as ReadableLogRecord[];
  const request = decoded(encodeLogsRequest(records)) as {
    resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string }; attributes: unknown[]; timeUnixNano: number }[] }[] }[];
  };
  const logRecords = request.resourceLogs[0]!.scopeLogs[0]!.logRecords;
  assert.equal(logRecords.length, 600);
  assert.deepEqual(
    logRecords.map((r) => r.attributes.length),
    Array(600).fill(3),
  );
  assert.equal(logRecords[599]!.body.stringValue, 'order 599 total 1797');
  assert.deepEqual(request, decoded(ProtobufLogsSerializer.serializeRequest(records)));
});
