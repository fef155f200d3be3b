import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { otlpReceiver, waitFor, type OtlpProtocol } from '@liveprobe/harness';

const exporters: Record<OtlpProtocol, (url: string) => LogRecordExporter> = {
  'http/json': (url) => new JsonLogExporter({ url }),
  'http/protobuf': (url) => new ProtobufLogExporter({ url }),
};

for (const [protocol, exporterFor] of Object.entries(exporters)) {
  test(`the OTLP receiver decodes what the OTel SDK exports over ${protocol}`, async (t) => {
    const receiver = await otlpReceiver();
    t.after(() => receiver.stop());
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'receiver-self-test' }),
      processors: [new SimpleLogRecordProcessor({ exporter: exporterFor(`${receiver.url}/v1/logs`) })],
    });
    t.after(() => provider.shutdown());
    const before = Date.now();
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

    provider.getLogger('self-test').emit({
      body: 'order 7 for Ada',
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      attributes: { 'code.line.number': 36, ratio: 0.5, gold: true, skus: ['tea', 'mug'], user: { id: 'u1' } },
      context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
    });

    const record = await receiver.waitForLog((r) => r.body === 'order 7 for Ada', 5000);
    assert.equal(record.severityText, 'WARN');
    assert.equal(record.severityNumber, SeverityNumber.WARN);
    assert.ok(record.timeMs >= before - 1 && record.timeMs <= Date.now() + 1, `the record's time ${record.timeMs} is when it was emitted`);
    assert.deepEqual(record.attributes, {
      'code.line.number': 36,
      ratio: 0.5,
      gold: true,
      skus: ['tea', 'mug'],
      user: { id: 'u1' },
    });
    assert.equal(record.traceId, spanContext.traceId);
    assert.equal(record.spanId, spanContext.spanId);
    assert.equal(record.resource['service.name'], 'receiver-self-test');
    assert.deepEqual(receiver.errors(), []);
  });
}

test('an OTLP receiver with decode: false answers every export with success, counts the requests and keeps nothing', async (t) => {
  const receiver = await otlpReceiver({ decode: false });
  t.after(() => receiver.stop());
  const provider = new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter: exporters['http/protobuf'](`${receiver.url}/v1/logs`) })],
  });
  t.after(() => provider.shutdown());
  for (let i = 0; i < 3; i++) provider.getLogger('discarded').emit({ body: `line ${i}` });
  await waitFor(() => receiver.requests().get('/v1/logs') === 3, 5000, 'three export requests');
  assert.deepEqual(receiver.logRecords(), []);
  assert.deepEqual(receiver.errors(), []);
});

test('the OTLP receiver accepts empty trace and metric exports', async (t) => {
  const receiver = await otlpReceiver();
  t.after(() => receiver.stop());
  for (const path of ['/v1/traces', '/v1/metrics']) {
    const response = await fetch(`${receiver.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array(),
    });
    assert.equal(response.status, 200, path);
  }
  assert.deepEqual(receiver.logRecords(), []);
});
