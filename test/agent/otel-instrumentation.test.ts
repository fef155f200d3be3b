/**
 * LiveprobeInstrumentation listed in a Node SDK set up in code starts the agent without an
 * extra `--import`, in a CommonJS and an ESM app: log records and snapshot spans go through
 * the SDK (its resource), tied to the HTTP request's trace by the auto-instrumentations; metric
 * actions' points go through the SDK's MeterProvider, to the app's own metric reader.
 */
import assert from 'node:assert/strict';
import { copyFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PrepareSummary } from '@liveprobe/protocol';
import { fromRoot, onFreePort, StopWaiting } from '@liveprobe/harness';
import { cli, lineOf, type OtlpReceiver, otlpReceiver, startApp, tempDir, waitFor } from '../helpers/index.js';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;

/** The app's own NodeSDK exports its logs and traces to the receiver, quickly. */
function sdkEnv(otlp: OtlpReceiver): Record<string, string> {
  return {
    ...otlp.env('http/json'),
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
}

/** An app that starts the agent from its own NodeSDK (no `--import`), on the control plane's broker. */
function sdkApp(
  cp: { mqttUrl: string },
  script: string,
  module: 'cjs' | 'esm',
  agentId: string,
  env: Record<string, string>,
  extraImports?: string[],
): ReturnType<typeof startApp> {
  return startApp({ script, module, agent: false, ...(extraImports ? { extraImports } : {}), broker: cp.mqttUrl, tags: [], agentId, env });
}

for (const module of ['cjs', 'esm'] as const) {
  test(`NodeSDK with getNodeAutoInstrumentations() and new LiveprobeInstrumentation() (${module} app): traced log records and snapshot spans`, async (t) => {
    const script = `test/fixtures/otel-sdk/server.${module === 'cjs' ? 'cjs' : 'mjs'}`;
    const cp = await controlPlane(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    const service = await sdkApp(
      cp,
      script,
      module,
      `sdk-${module}`,
      sdkEnv(otlp),
      module === 'esm' ? ['./test/fixtures/otel-sdk/telemetry.mjs'] : undefined,
    );
    t.after(() => service.stop());
    const line = lineOf(script, 'sdk-total');
    const log = await addAction(cp, {
      type: 'log',
      file: script,
      line,
      template: 'order {order.id}: {order.quantity} x {order.price}',
      tags: ['sdk'],
    });
    const snapshot = await addAction(cp, { type: 'snapshot', file: script, line, tags: ['sdk'] });
    for (const [what, { action }] of [
      ['log', log],
      ['snapshot', snapshot],
    ] as const) {
      await waitFor(
        async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed'),
        WAIT,
        `the ${what} installed`,
      );
    }

    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '10f067aa0ba902b7';
    const response = await fetch(`${service.url}/?id=o-9`, { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
    assert.equal(await response.text(), '21');

    const record = await otlp.waitForLog((r) => r.attributes['liveprobe.action.id'] === log.action.id, WAIT, 'the log record');
    assert.equal(record.body, 'order o-9: 3 x 7');
    assert.equal(record.traceId, traceId, 'the record belongs to the request’s trace');
    assert.notEqual(record.spanId, callerSpanId, 'tied to the server span, not the caller’s');
    assert.equal(record.resource['service.name'], `sdk-app-${module}`, 'it went through the SDK set up in code');

    const span = await otlp.waitForSpan((sp) => sp.attributes['liveprobe.action.id'] === snapshot.action.id, WAIT, 'the snapshot span');
    const server = await otlp.waitForSpan((sp) => sp.traceId === traceId && sp.parentSpanId === callerSpanId, WAIT, 'the server span');
    assert.equal(span.traceId, traceId);
    assert.equal(span.parentSpanId, server.spanId, 'the snapshot span is a child of the request’s server span');
    assert.equal(span.resource['service.name'], `sdk-app-${module}`);
  });
}

test('when the app’s LoggerProvider has no processor, the agent says so once and exports its records itself', async (t) => {
  const script = 'test/fixtures/otel-sdk/no-processor.cjs';
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const service = await startApp({
    script,
    module: 'cjs',
    broker: cp.mqttUrl,
    tags: ['e2e'],
    env: { ...otlp.env('http/json'), OTEL_BLRP_SCHEDULE_DELAY: '100' },
  });
  t.after(() => service.stop());
  const { action } = await addAction(cp, {
    type: 'log',
    file: script,
    line: lineOf(script, 'broken-total'),
    template: 'order {order.id}',
    tags: ['e2e'],
  });
  await waitFor(async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed'), WAIT, 'installed');
  for (const id of ['a', 'b']) assert.equal(await (await fetch(`${service.url}/?id=${id}`)).text(), '10');
  for (const id of ['a', 'b']) await otlp.waitForLog((r) => r.body === `order ${id}`, WAIT, `the record of order ${id}`);
  const notices = service.output().match(/LoggerProvider has no log record processor/g) ?? [];
  assert.equal(notices.length, 1, service.output());
});

for (const module of ['cjs', 'esm'] as const) {
  test(`metric actions go through the MeterProvider of a NodeSDK with a metric reader (${module} app): the app’s resource, not the agent’s exporter`, async (t) => {
    const script = `test/fixtures/otel-sdk/metrics-app.${module === 'cjs' ? 'cjs' : 'mjs'}`;
    const cp = await controlPlane(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    // The agent's own exporter stays on, to the same receiver: a point from it would carry its resource.
    const service = await sdkApp(cp, script, module, `sdk-metrics-${module}`, {
      ...otlp.env('http/json'),
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    });
    t.after(() => service.stop());
    const line = lineOf(script, 'metrics-total');
    const counter = await addAction(cp, { type: 'counter', file: script, line, name: 'sdk.orders', tags: ['sdk'] });
    const duration = await addAction(cp, { type: 'duration', file: script, function: 'total', name: 'sdk.total.duration', tags: ['sdk'] });
    for (const [what, { action }] of [
      ['counter', counter],
      ['duration', duration],
    ] as const) {
      await waitFor(
        async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed'),
        WAIT,
        `the ${what} installed`,
      );
    }
    for (const id of ['a', 'b', 'c']) assert.equal(await (await fetch(`${service.url}/?id=${id}`)).text(), '10');

    const orders = await otlp.waitForMetric((p) => p.name === 'sdk.orders' && p.value === 3, WAIT, 'the counter at 3');
    assert.equal(orders.resource['service.name'], 'sdk-metrics-app', 'the point went through the SDK set up in code');
    assert.equal(orders.attributes['liveprobe.action.id'], counter.action.id);
    const timed = await otlp.waitForMetric((p) => p.name === 'sdk.total.duration' && p.count === 3, WAIT, 'three durations');
    assert.equal(timed.resource['service.name'], 'sdk-metrics-app');
    assert.equal(timed.unit, 's');
    // Three more exports of the SDK's reader after the last point: the agent's own exporter, on the
    // same interval, would have sent any point it took by then.
    await waitFor(
      async () => otlp.metricPoints().filter((p) => p.name === 'sdk.orders' && p.value === 3).length >= 3,
      WAIT,
      'three exports of the counter at 3',
    );
    const own = otlp.metricPoints().filter((p) => p.name.startsWith('sdk.') && p.resource['service.name'] !== 'sdk-metrics-app');
    assert.deepEqual(own, [], 'no point went through the agent’s own exporter');
    assert.match(service.output(), /metric actions go through the app's OpenTelemetry MeterProvider/);
  });
}

test('with OTEL_METRICS_EXPORTER=prometheus, the NodeSDK’s Prometheus exporter serves a counter action’s series, labelled with the app’s resource', async (t) => {
  const script = 'test/fixtures/otel-sdk/server.cjs';
  const cp = await controlPlane(t);
  // The SDK's exporter reads its port from the environment only, and 0 as its default (9464): it is
  // given a free port, and another when that one was taken meanwhile, which its error (printed at
  // OTEL_LOG_LEVEL=error) says.
  const { service, port } = await onFreePort(async (port) => {
    // The SDK reads these; the agent's own exporter cannot serve Prometheus, so only the SDK's route shows the series.
    const service = await sdkApp(cp, script, 'cjs', 'sdk-prometheus', {
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      OTEL_LOG_LEVEL: 'error',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
    });
    try {
      await waitFor(
        async () => {
          if (/EADDRINUSE/.test(service.output())) throw new StopWaiting(`the Prometheus exporter's port was taken: ${service.output()}`);
          return /service_name="sdk-app-cjs"/.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
        },
        WAIT,
        `the app's Prometheus exporter on port ${port}`,
      );
    } catch (error) {
      await service.stop();
      throw error;
    }
    return { service, port };
  });
  t.after(() => service.stop());
  const { action } = await addAction(cp, {
    type: 'counter',
    file: script,
    line: lineOf(script, 'sdk-total'),
    name: 'sdk.totals',
    tags: ['sdk'],
  });
  await waitFor(async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed'), WAIT, 'the counter installed');
  for (const id of ['a', 'b']) assert.equal(await (await fetch(`${service.url}/?id=${id}`)).text(), '21');
  let scraped = '';
  await waitFor(
    async () => {
      scraped = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return new RegExp(`^sdk_totals(_total)?\\{[^}]*liveprobe_action_id="${action.id}"[^}]*\\} 2$`, 'm').test(scraped);
    },
    WAIT,
    'the counter at 2 on the Prometheus endpoint',
  );
  assert.match(scraped, /^target_info\{[^}]*service_name="sdk-app-cjs"/m, 'served by the SDK set up in code');
});

test('an app prepared with `liveprobe prepare` that starts the agent from its NodeSDK: the files that ran before it are listed as unbound, and its actions still trace through breakpoints', async (t) => {
  const dir = await tempDir('liveprobe-sdk-prepared-');
  t.after(() => dir.remove());
  for (const file of ['server.cjs', 'telemetry.cjs']) copyFileSync(fromRoot(`test/fixtures/otel-sdk/${file}`), join(dir.path, file));
  const prepared = await cli(['prepare', dir.path], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);
  symlinkSync(fromRoot('node_modules'), join(dir.path, 'node_modules'));
  const script = join(dir.path, 'server.cjs');
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const service = await sdkApp(cp, script, 'cjs', 'sdk-prepared', sdkEnv(otlp));
  t.after(() => service.stop());
  // Both headers ran before telemetry.cjs started the agent: their sites can never bind.
  const summary = await waitFor(
    async () =>
      ((await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: { agentId: string; prepare?: PrepareSummary }[] }).agents.find(
        (a) => a.agentId === 'sdk-prepared',
      )?.prepare,
    WAIT,
    'the prepare summary',
  );
  assert.deepEqual(summary.failures.map((f) => f.path).sort(), [script, join(dir.path, 'telemetry.cjs')].sort());
  assert.match(summary.failures[0]!.reason, /ran before the agent started/);

  const { action } = await addAction(cp, {
    type: 'log',
    file: script,
    line: lineOf('test/fixtures/otel-sdk/server.cjs', 'sdk-total'),
    template: 'order {order.id}',
    tags: ['sdk'],
  });
  await waitFor(
    async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed' && s.message === 'breakpoint'),
    WAIT,
    'installed on a breakpoint',
  );
  const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
  const response = await fetch(`${service.url}/?id=o-3`, { headers: { traceparent: `00-${traceId}-10f067aa0ba902b7-01` } });
  assert.equal(await response.text(), '21');
  const record = await otlp.waitForLog((r) => r.attributes['liveprobe.action.id'] === action.id, WAIT, 'the log record');
  assert.equal(record.body, 'order o-3');
  assert.equal(record.traceId, traceId, 'the record belongs to the request’s trace');
});
