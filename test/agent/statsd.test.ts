// Metric actions sent to a StatsD/DogStatsD daemon over UDP (OTEL_METRICS_EXPORTER=statsd):
// a real UDP socket receives them, and every line is parsed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, otlpReceiver, sseEvents, statsdListener, type SseEvent, type StatsdLine } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane } from './fixtures.js';

const WAIT = 15_000;
const SHOP = 'examples/shop/dist/server.js';
const SERVER_TS = 'examples/shop/src/server.ts';
const LINE = lineOf(SERVER_TS, 'checkout-return');

const installed = (actionId: string) => (e: SseEvent) =>
  e.event === 'action_status' &&
  (e.data as { actionId: string; state: string }).actionId === actionId &&
  (e.data as { state: string }).state === 'installed';
const sum = (lines: StatsdLine[]) => lines.reduce((total, l) => total + l.value, 0);

test('a counter, a histogram, a gauge and a duration reach a StatsD daemon as c, h, g and ms lines with their tags; OTLP gets them too', async (t) => {
  const cp = await controlPlane(t);
  const statsd = await statsdListener();
  t.after(() => statsd.stop());
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, {
    script: SHOP,
    broker: cp.mqttUrl,
    agentId: 'statsd-1',
    env: { ...otlp.env('http/protobuf'), OTEL_METRICS_EXPORTER: 'otlp,statsd', LIVEPROBE_STATSD_ENDPOINT: statsd.endpoint },
  });
  const counter = await addAction(cp, {
    type: 'counter',
    file: SERVER_TS,
    line: LINE,
    name: 'shop.checkouts',
    attributes: { user: 'userId' },
    tags: ['e2e'],
  });
  const histogram = await addAction(cp, {
    type: 'metric',
    file: SERVER_TS,
    line: LINE,
    expression: 'order.amount',
    name: 'shop.order.amount',
    tags: ['e2e'],
  });
  const gauge = await addAction(cp, {
    type: 'metric',
    file: SERVER_TS,
    line: LINE,
    expression: 'len(order.lines)',
    instrument: 'gauge',
    name: 'shop.order.lines',
    tags: ['e2e'],
  });
  const duration = await addAction(cp, {
    type: 'duration',
    file: SERVER_TS,
    function: 'checkout',
    name: 'shop.checkout.time',
    tags: ['e2e'],
  });
  for (const { action } of [counter, histogram, gauge, duration])
    await events.waitFor(installed(action.id), WAIT, `${action.id} installed`);

  const amounts: number[] = [];
  for (const user of ['u1', 'u1', 'u2']) amounts.push(((await (await checkout(shop.url, user)).json()) as { amount: number }).amount);

  const counted = (user: string) => statsd.lines().filter((l) => l.name === 'shop.checkouts' && l.tags.user === user);
  await statsd.waitFor(() => sum(counted('u1')) === 2 && sum(counted('u2')) === 1, WAIT, 'u1 counted twice, u2 once');
  const count = counted('u2')[0]!;
  assert.equal(count.type, 'c');
  assert.equal(count.tags['liveprobe.action.id'], counter.action.id);
  assert.equal(count.tags['liveprobe.agent.id'], 'statsd-1');
  assert.equal(count.tags['code.function.name'], 'checkout');
  assert.equal(count.tags['code.line.number'], String(LINE));
  assert.match(count.tags['code.file.path'] ?? '', /examples\/shop\/src\/server\.ts$/);

  await statsd.waitFor(() => statsd.lines().filter((l) => l.name === 'shop.order.amount').length === 3, WAIT, 'three amounts');
  const recorded = statsd.lines().filter((l) => l.name === 'shop.order.amount');
  assert.deepEqual(
    recorded.map((l) => l.type),
    ['h', 'h', 'h'],
  );
  assert.deepEqual(
    recorded.map((l) => l.value),
    amounts,
  );
  assert.equal(recorded[0]?.tags['liveprobe.action.id'], histogram.action.id);

  const lines = await statsd.waitFor((l) => l.name === 'shop.order.lines', WAIT, 'the gauge');
  assert.deepEqual([lines.type, lines.value], ['g', 1]);
  const timed = await statsd.waitFor((l) => l.name === 'shop.checkout.time', WAIT, 'the duration');
  assert.equal(timed.type, 'ms');
  assert.ok(timed.value > 0 && timed.value < 10_000, `a checkout takes milliseconds, not ${timed.value}`);
  assert.equal(timed.tags['liveprobe.outcome'], 'return');

  // The same points still go to OTLP: OTEL_METRICS_EXPORTER is a list.
  await otlp.waitForMetric((p) => p.name === 'shop.checkouts' && p.attributes.user === 'u1' && p.value === 2, WAIT, 'OTLP counter');
});
