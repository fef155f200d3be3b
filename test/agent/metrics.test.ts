import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, lineOf, otlpReceiver, sseEvents, waitFor, type MetricPoint, type SseEvent } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane } from './fixtures.js';

const WAIT = 15_000;
const SHOP_TS = 'examples/shop/dist/server.js';
const SERVER_TS = 'examples/shop/src/server.ts';
const TIMING = 'test/fixtures/timing.mjs';

const installed = (actionId: string) => (e: SseEvent) =>
  e.event === 'action_status' &&
  (e.data as { actionId: string; state: string }).actionId === actionId &&
  (e.data as { state: string }).state === 'installed';

/** The latest cumulative point of a metric for one attribute set (cumulative temporality repeats points). */
function latest(points: MetricPoint[], name: string, match: (attributes: Record<string, unknown>) => boolean): MetricPoint | undefined {
  return points.filter((p) => p.name === name && match(p.attributes)).at(-1);
}

async function setup(t: TestContext, script: string) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script,
    broker: cp.mqttUrl,
    agentId: 'metrics-1',
    env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'metrics-test' },
  });
  return { cp, otlp, events, service };
}

test('a counter added with the CLI counts hits of a TypeScript line, with code attributes and user attributes (an undefined one left out)', async (t) => {
  const { cp, otlp, events, service } = await setup(t, SHOP_TS);
  const line = lineOf(SERVER_TS, 'checkout-return');
  const added = await cli(
    [
      'counter',
      'add',
      `${SERVER_TS}:${line}`,
      '--name',
      'shop.checkouts',
      '--attr',
      'user=userId',
      '--attr',
      'coupon=user.coupon',
      '--tag',
      'e2e',
    ],
    {
      server: cp.url,
    },
  );
  assert.equal(added.code, 0, added.stderr);
  const id = /created (act_\w+) \(counter at /.exec(added.stdout)?.[1];
  assert.ok(id, added.stdout);
  await events.waitFor(installed(id), WAIT, 'installed');
  for (const user of ['u1', 'u1', 'u2']) assert.equal((await checkout(service.url, user)).status, 200);
  await otlp.waitForMetric((p) => p.name === 'shop.checkouts' && p.attributes.user === 'u1' && p.value === 2, WAIT, 'u1 counted twice');
  const u2 = await otlp.waitForMetric(
    (p) => p.name === 'shop.checkouts' && p.attributes.user === 'u2' && p.value === 1,
    WAIT,
    'u2 counted once',
  );
  assert.equal(u2.kind, 'sum');
  assert.equal(u2.unit, '{hit}');
  assert.equal(u2.attributes['liveprobe.action.id'], id);
  assert.equal(u2.attributes['code.line.number'], line);
  assert.match(String(u2.attributes['code.file.path']), /examples\/shop\/src\/server\.ts$/);
  assert.equal(u2.attributes['code.function.name'], 'checkout');
  assert.ok(!('coupon' in u2.attributes), `an undefined attribute is left out, not "undefined": ${JSON.stringify(u2.attributes)}`);
  assert.equal(u2.resource['service.instance.id'], 'metrics-1');
});

test('a metric action records an expression as a histogram, and as a gauge', async (t) => {
  const { cp, otlp, events, service } = await setup(t, SHOP_TS);
  const line = lineOf(SERVER_TS, 'checkout-return');
  const histogram = await addAction(cp, {
    type: 'metric',
    file: SERVER_TS,
    line,
    expression: 'order.amount',
    name: 'shop.order.amount',
    unit: 'USD',
    tags: ['e2e'],
  });
  const gauge = await addAction(cp, {
    type: 'metric',
    file: SERVER_TS,
    line,
    expression: 'len(order.lines)',
    instrument: 'gauge',
    name: 'shop.order.lines',
    tags: ['e2e'],
  });
  await events.waitFor(installed(histogram.action.id), WAIT, 'histogram installed');
  await events.waitFor(installed(gauge.action.id), WAIT, 'gauge installed');
  const amounts: number[] = [];
  for (const quantity of [1, 2, 3])
    amounts.push(((await (await checkout(service.url, 'u2', quantity)).json()) as { amount: number }).amount);
  const total = amounts.reduce((a, b) => a + b, 0);
  const h = await otlp.waitForMetric((p) => p.name === 'shop.order.amount' && p.count === 3, WAIT, 'three recorded amounts');
  assert.equal(h.kind, 'histogram');
  assert.equal(h.unit, 'USD');
  assert.ok(Math.abs((h.sum ?? 0) - total) < 1e-9, `sum ${h.sum} = ${total}`);
  const g = await otlp.waitForMetric((p) => p.name === 'shop.order.lines', WAIT, 'the gauge');
  assert.equal(g.kind, 'gauge');
  assert.equal(g.value, 1);
});

test('tic-toc pairs each invocation across await while requests interleave', async (t) => {
  const { cp, otlp, events, service } = await setup(t, TIMING);
  const { action } = await addAction(cp, {
    type: 'tictoc',
    file: TIMING,
    line: lineOf(TIMING, 'work-start'),
    toc: { line: lineOf(TIMING, 'work-end') },
    name: 'timing.work',
    attributes: { ms: 'str(ms)' },
    tags: ['e2e'],
  });
  await events.waitFor(installed(action.id), WAIT, 'installed');
  // Overlapping, not nested: 300 ms starts first, 600 ms starts 100 ms later and ends last.
  // A timer shared across invocations would pair the first toc with the second tic.
  const slow = timedRequest(service.url, 600);
  await sleep(100);
  const fast = timedRequest(service.url, 300);
  const point = (ms: string) =>
    otlp.waitForMetric((p) => p.name === 'timing.work' && p.attributes.ms === ms && p.count === 1, WAIT, `the ${ms} ms point`);
  const [p300, p600] = [await point('300'), await point('600')];
  assert.equal(p300.unit, 's');
  // Paired with the other request's tic, the fast one would measure more than its own round trip
  // (that tic came 100 ms before the request was sent), the slow one less than its own wait.
  assertWithin(p300, await fast, '300 ms request');
  assertWithin(p600, await slow, '600 ms request');
});

test('duration measures a function on every exit: returns, the end of an async body, and throws', async (t) => {
  const { cp, otlp, events, service } = await setup(t, TIMING);
  const risky = await addAction(cp, { type: 'duration', file: TIMING, function: 'risky', name: 'timing.risky', tags: ['e2e'] });
  const work = await addAction(cp, {
    type: 'duration',
    file: TIMING,
    line: lineOf(TIMING, 'work-start'),
    name: 'timing.work.duration',
    tags: ['e2e'],
  });
  const riskyStatus = await events.waitFor(installed(risky.action.id), WAIT, 'risky installed');
  assert.match(
    (riskyStatus.data as { message: string }).message,
    /^breakpoint; measuring risky from line \d+ to its \d+ exits \(returns and throws\); timed on breakpoints: V8's own cost of the two breakpoint hits, \d+ µs at least as measured in this process \(on a copy of the function that returns at once\), is taken off each measurement; it varies from hit to hit \(more on a busy machine\), so one measurement can be off by tens of µs either way; prepare the file \(LIVEPROBE_PREPARE\) to time the app alone$/,
  );
  await events.waitFor(installed(work.action.id), WAIT, 'work installed');

  assert.equal((await fetch(`${service.url}/risky?fail=0`)).status, 200);
  assert.equal((await fetch(`${service.url}/risky?fail=1`)).status, 500, 'the exception still reaches the app');
  assert.equal((await fetch(`${service.url}/risky?fail=1`)).status, 500);
  const sent = performance.now();
  const waited = Number(await (await fetch(`${service.url}/work?ms=200`)).text());
  const roundTripMs = performance.now() - sent;

  await otlp.waitForMetric(
    (p) => p.name === 'timing.risky' && p.attributes['liveprobe.outcome'] === 'return' && p.count === 1,
    WAIT,
    'one return',
  );
  await otlp.waitForMetric(
    (p) => p.name === 'timing.risky' && p.attributes['liveprobe.outcome'] === 'throw' && p.count === 2,
    WAIT,
    'two throws',
  );
  const w = await otlp.waitForMetric(
    (p) => p.name === 'timing.work.duration' && p.count === 1,
    WAIT,
    'the async function, measured until it settled',
  );
  // Bounded by construction: at least the app's own measure of its wait (less a millisecond of
  // clock granularity), at most the request's round trip.
  const measured = w.sum ?? 0;
  assert.ok(
    measured >= (waited - 1) / 1000 && measured <= roundTripMs / 1000,
    `measured ${measured} s; the app waited ${waited} ms in a ${roundTripMs} ms request`,
  );
  assert.equal(
    latest(otlp.metricPoints(), 'timing.risky', (a) => a['liveprobe.outcome'] === 'throw')?.attributes['code.function.name'],
    'risky',
  );
});

test('bad metric input is rejected with the option the user typed and the reason', async (t) => {
  const cp = await controlPlane(t);
  const bad = await cli(['metric', 'add', `${SERVER_TS}:10`, 'order.amount', '--name', '9lives', '--tag', 'e2e'], { server: cp.url });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /error: --name "9lives": a metric name starts with a letter/);
  const both = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    body: JSON.stringify({ type: 'duration', file: TIMING, line: 3, function: 'risky', name: 'x', tags: ['e2e'] }),
  });
  assert.equal(both.status, 400);
  assert.match(await both.text(), /give either `line` \(any line inside the function\) or `function` \(its name\), not both/);
  const unit = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    body: JSON.stringify({ type: 'counter', file: TIMING, line: 3, name: 'ok.name', unit: 'per second', tags: ['e2e'] }),
  });
  assert.equal(unit.status, 400);
  assert.match(await unit.text(), /"path":"unit","message":"a unit is printable ASCII without spaces/);
});

test('tic-toc and duration are right for 100 concurrent, interleaved async requests', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  // 400 hits in about a second is over the default quotas, which would pause the actions: this test is about pairing.
  const service = await app(t, {
    script: TIMING,
    broker: cp.mqttUrl,
    env: { ...otlp.env('http/protobuf'), LIVEPROBE_QUOTA_HITS_PER_SECOND: '0', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' },
  });
  const tictoc = await addAction(cp, {
    type: 'tictoc',
    file: TIMING,
    line: lineOf(TIMING, 'work-start'),
    toc: { line: lineOf(TIMING, 'work-end') },
    name: 'timing.many',
    attributes: { ms: 'str(ms)' },
    tags: ['e2e'],
  });
  const duration = await addAction(cp, {
    type: 'duration',
    file: TIMING,
    function: 'work',
    name: 'timing.many.duration',
    attributes: { ms: 'str(ms)' },
    tags: ['e2e'],
  });
  await events.waitFor(installed(tictoc.action.id), WAIT, 'tictoc installed');
  await events.waitFor(installed(duration.action.id), WAIT, 'duration installed');

  // 100 requests, each with its own delay, started in a shuffled order so they overlap every which way.
  const delays = Array.from({ length: 100 }, (_, i) => 50 + i * 7);
  const order = [...delays].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101));
  const timed = new Map<number, Timed>();
  await Promise.all(order.map(async (ms) => timed.set(ms, await timedRequest(service.url, ms))));

  for (const name of ['timing.many', 'timing.many.duration']) {
    await waitFor(
      () =>
        new Set(
          otlp
            .metricPoints()
            .filter((p) => p.name === name && p.count === 1)
            .map((p) => p.attributes.ms),
        ).size === 100,
      WAIT,
      `100 series of ${name}`,
    );
    for (const ms of delays) {
      assertWithin(latest(otlp.metricPoints(), name, (a) => a.ms === String(ms))!, timed.get(ms)!, `${name} for the ${ms} ms request`);
    }
  }
});

test('removing a metric action stops its series', async (t) => {
  const { cp, otlp, events, service } = await setup(t, SHOP_TS);
  const { action } = await addAction(cp, {
    type: 'counter',
    file: SERVER_TS,
    line: lineOf(SERVER_TS, 'checkout-return'),
    name: 'shop.removed',
    tags: ['e2e'],
  });
  await events.waitFor(installed(action.id), WAIT, 'installed');
  await checkout(service.url);
  await otlp.waitForMetric((p) => p.name === 'shop.removed' && p.value === 1, WAIT, 'the first point');
  assert.equal((await fetch(`${cp.url}/api/v1/actions/${action.id}`, { method: 'DELETE' })).status, 200);
  await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string; state: string }).actionId === action.id &&
      (e.data as { state: string }).state === 'removed',
    WAIT,
    'removed',
  );
  // The last points are flushed at removal. A counter added after it is exported with every
  // series still alive: two of its exports carrying no point of the removed one show it stopped.
  const later = await addAction(cp, {
    type: 'counter',
    file: SERVER_TS,
    line: lineOf(SERVER_TS, 'checkout-return'),
    name: 'shop.later',
    tags: ['e2e'],
  });
  await events.waitFor(installed(later.action.id), WAIT, 'the later counter installed');
  await checkout(service.url);
  await otlp.waitForMetric((p) => p.name === 'shop.later' && p.value === 1, WAIT, "the later counter's first point");
  const removedPoints = otlp.metricPoints().filter((p) => p.name === 'shop.removed').length;
  await checkout(service.url);
  await otlp.waitForMetric((p) => p.name === 'shop.later' && p.value === 2, WAIT, "the later counter's next point");
  assert.equal(
    otlp.metricPoints().filter((p) => p.name === 'shop.removed').length,
    removedPoints,
    'no points after the action was removed',
  );
});

interface Timed {
  /** What the app measured around its own wait (ms, Date.now()). */
  waited: number;
  /** The request as the client saw it, from sending it to reading the reply (ms). */
  roundTrip: number;
}

async function timedRequest(url: string, ms: number): Promise<Timed> {
  const sent = performance.now();
  const waited = Number(await (await fetch(`${url}/work?ms=${ms}`)).text());
  return { waited, roundTrip: performance.now() - sent };
}

/**
 * A tic-toc around the app's own measured wait lies inside the request: not shorter than the
 * wait (1 ms for Date.now()'s resolution), not longer than the round trip. No bound on speed.
 */
function assertWithin(point: MetricPoint, { waited, roundTrip }: Timed, what: string): void {
  const measured = (point.sum ?? 0) * 1000;
  assert.ok(
    measured >= waited - 1 && measured <= roundTrip,
    `${what}: measured ${measured.toFixed(1)} ms; the app waited ${waited} ms, the round trip took ${roundTrip.toFixed(1)} ms`,
  );
}
