/**
 * The agent on Node 22 and 24, end to end with real processes as the agent's own tests run it on
 * the tests' Node: the app runs on the pinned binary (node-binaries.ts) with the agent loaded as a
 * user loads it, and actions from a real control plane come out of a real OTLP receiver — a log
 * action and a snapshot on the breakpoint path (the inspector), a log record in the trace of the
 * app's own auto-instrumentations, and log actions on files prepared at load time
 * (LIVEPROBE_PREPARE: the ESM loader hooks and CommonJS through require(esm)) with their stacks,
 * and a counter there that counts in place; and, with the inspector session open from start-up,
 * V8's baseline tier off and a log action on a function the app ran warm.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { AgentView, OutputEvent } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, otlpReceiver, sseEvents, waitFor, type OtlpReceiver } from '../helpers/index.js';
import type { ControlPlane } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, installed, SHOP } from '../agent/fixtures.js';
import { find, snapshotsOnBroker } from '../agent/snapshot-events.js';
import { nodeBinary, PINNED_MAJORS } from './node-binaries.js';
import { BASELINE_TRACE, logOnWarmFunction } from '../agent/hot-function.js';
import { throwLinesInCooldown } from '../agent/throw-lines-cooldown.js';
import { throwLinesAcrossScriptPauses } from '../agent/throw-lines-script-pauses.js';

const WAIT = 20_000;
const SERVER_TS = 'examples/shop/src/server.ts';
const PREPARED = 'test/fixtures/prepared';
const THROWS = 'test/fixtures/throw-lines.cjs';

async function receiver(t: TestContext): Promise<OtlpReceiver> {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  return otlp;
}

/** The Node version the agent `id` reports to the control plane. */
async function runtimeOf(cp: ControlPlane, id: string): Promise<string> {
  return waitFor(
    async () => {
      const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: AgentView[] };
      return agents.find((a) => a.agentId === id)?.runtimeVersion;
    },
    WAIT,
    `agent ${id} online`,
  );
}

for (const major of PINNED_MAJORS) {
  test(`on Node ${major}, a log action and a snapshot on breakpoints arrive at a real OTLP receiver as a log record and a span`, async (t) => {
    const node = nodeBinary(major);
    const cp = await controlPlane(t);
    const otlp = await receiver(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const agentId = `shop-node${major}`;
    const shop = await app(t, {
      broker: cp.mqttUrl,
      agentId,
      node,
      env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'shop', OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    assert.match(await runtimeOf(cp, agentId), new RegExp(`^v${major}\\.`));

    // The log on the built file, the snapshot on its TypeScript source (through the source map).
    const log = await addAction(cp, {
      type: 'log',
      file: SHOP,
      line: lineOf(SHOP, 'checkout-return'),
      template: 'order {order.id} for {userId}',
      tags: ['e2e'],
    });
    const line = lineOf(SERVER_TS, 'checkout-return');
    const snapshot = await addAction(cp, { type: 'snapshot', file: 'src/server.ts', line, watches: ['order.amount * 2'], tags: ['e2e'] });
    assert.match(await installed(cp, log.action.id), /^installed: breakpoint/);
    assert.match(await installed(cp, snapshot.action.id), /^installed: breakpoint/);

    const order = (await (await checkout(shop.url, 'u1', 3)).json()) as { id: number; amount: number };
    const record = await otlp.waitForLog((r) => r.body === `order ${order.id} for u1`, WAIT, 'the log record');
    assert.equal(record.attributes['liveprobe.action.id'], log.action.id);
    assert.equal(record.attributes['code.function.name'], 'checkout');
    assert.equal(record.resource['service.instance.id'], agentId);

    const event = await snapshots.waitFor((s) => s.actionId === snapshot.action.id, WAIT, 'the snapshot');
    assert.deepEqual(find(event.snapshot.arguments, 'userId'), { t: 'string', v: 'u1' });
    assert.deepEqual(event.snapshot.watches[0]?.value, { t: 'number', v: order.amount * 2 });
    assert.match(event.snapshot.stack[0]?.file ?? '', /examples\/shop\/src\/server\.ts$/, 'the stack is source-mapped');
    const span = await otlp.waitForSpan((sp) => sp.attributes['liveprobe.snapshot.id'] === event.id, WAIT, 'the snapshot span');
    assert.equal(span.name, `snapshot ${fromRoot(SERVER_TS)}:${line}`);
    assert.equal(span.attributes['liveprobe.action.id'], snapshot.action.id);
    assert.deepEqual(otlp.errors(), []);
  });

  test(`on Node ${major}, with the app's own auto-instrumentations (ESM loader hook), a log record carries the HTTP request's trace`, async (t) => {
    const node = nodeBinary(major);
    const cp = await controlPlane(t);
    const otlp = await receiver(t);
    const shop = await app(t, {
      broker: cp.mqttUrl,
      agentId: `traced-node${major}`,
      node,
      extraImports: ['./test/fixtures/otel-esm-hook.mjs', '@opentelemetry/auto-instrumentations-node/register'],
      env: {
        ...otlp.env('http/json'),
        OTEL_SERVICE_NAME: 'traced-shop',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_BLRP_SCHEDULE_DELAY: '100',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    const { action } = await addAction(cp, {
      type: 'log',
      file: SHOP,
      line: lineOf(SHOP, 'checkout-return'),
      template: 'order {order.id}',
      tags: ['e2e'],
    });
    assert.match(await installed(cp, action.id), /^installed/);
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${shop.url}/checkout`, {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ user: 'u2', items: [{ sku: 'mug', quantity: 1 }] }),
    });
    assert.equal(response.status, 200);
    const record = await otlp.waitForLog((r) => r.attributes['liveprobe.action.id'] === action.id, WAIT, 'the log record');
    assert.equal(record.body, `order ${((await response.json()) as { id: number }).id}`);
    assert.equal(record.traceId, traceId, 'the record belongs to the request’s trace');
    assert.notEqual(record.spanId, '00f067aa0ba902b7', 'tied to the server span, not the caller’s');
    assert.equal(record.resource['service.name'], 'traced-shop', "through the app's own SDK");
  });

  for (const module of ['esm', 'cjs'] as const) {
    test(`on Node ${major}, a log action on a file prepared at load time (${module}) prints from its prepared site with no inspector session, an error thrown there names the original line, and a counter on the next line counts every hit in place`, async (t) => {
      const node = nodeBinary(major);
      const cp = await controlPlane(t);
      const otlp = await receiver(t);
      const agentId = `prepared-${module}-node${major}`;
      const shop = await app(t, {
        // The CommonJS variant also loads the agent with --require (synchronously, through require(esm)).
        script: `${PREPARED}/server.mjs`,
        broker: cp.mqttUrl,
        agentId,
        module,
        node,
        env: {
          ...otlp.env('http/protobuf'),
          OTEL_BLRP_SCHEDULE_DELAY: '100',
          WORK_MODULE: module,
          LIVEPROBE_PREPARE: `${fromRoot(PREPARED)}/*.?js,!**/server.mjs`,
          LIVEPROBE_PREPARE_CACHE: 'off',
          // For the start-up report of the files prepared.
          LIVEPROBE_LOG_LEVEL: 'debug',
        },
      });
      assert.match(await runtimeOf(cp, agentId), new RegExp(`^v${major}\\.`));
      await waitFor(() => /prepared [1-9]\d* files/.test(shop.output()), WAIT, 'the start-up report');
      // From Node 22, --require runs again in the ES module hooks' thread: the agent stays the main thread's, and says nothing there.
      assert.doesNotMatch(shop.output(), /\[liveprobe\].*could not start/);
      const events = await sseEvents(cp.url);
      t.after(() => events.close());
      const file = `${PREPARED}/work.${module === 'cjs' ? 'cjs' : 'mjs'}`;
      // V8 names frames differently from Node 22 on (docs/PREPARE.md): an error thrown from
      // prepared code must still name the original file and line, once, with no guard frame.
      const boom = new RegExp(
        `at (\\w+\\.)?boom \\((file://)?${fromRoot(file).replace(/[.]/g, '\\.')}:${lineOf(file, 'boom-line')}:\\d+\\)`,
      );
      const guarded = await addAction(cp, { type: 'log', file, line: lineOf(file, 'boom-line') - 1, template: 'boom {n}', tags: ['e2e'] });
      assert.equal(await installed(cp, guarded.action.id), 'installed: prepared site (no breakpoint)');
      const stack = String(await (await fetch(`${shop.url}/boom?n=2`)).json());
      assert.match(stack, boom);
      assert.doesNotMatch(stack, /\$lp/);
      assert.equal(stack.split('\n').filter((l) => /at (\w+\.)?boom /.test(l)).length, 1, stack);
      const { action } = await addAction(cp, { type: 'log', file, line: lineOf(file, 'work-line'), template: 'n={n}', tags: ['e2e'] });
      assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
      for (const n of [3, 4]) assert.equal(await (await fetch(`${shop.url}/work?n=${n}`)).json(), n * n + 1);
      await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'n=4', WAIT, 'the second output');
      const record = await otlp.waitForLog((r) => r.body === 'n=3', WAIT, 'the log record');
      assert.equal(record.attributes['liveprobe.action.id'], action.id);
      // A plain counter on a line of its own counts in place (`$lpK[n]++`): every hit of a hot loop.
      const counter = await addAction(cp, {
        type: 'counter',
        file,
        line: lineOf(file, 'work-line') + 1,
        name: 'prepared.work.returns',
        tags: ['e2e'],
      });
      assert.equal(await installed(cp, counter.action.id), 'installed: prepared site (no breakpoint)');
      assert.equal((await fetch(`${shop.url}/repeat?n=5000`)).status, 200);
      const counted = () =>
        events
          .events()
          .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === counter.action.id)
          .reduce((sum, e) => sum + ((e.data as OutputEvent).hits ?? 0), 0);
      await waitFor(() => counted() === 5000, WAIT, 'console lines adding up to 5000 hits');
      assert.equal(await (await fetch(`${shop.url}/state`)).json(), false, 'the inspector session was never opened');
    });
  }

  test(`on Node ${major}, actions on throw lines hit once a run while an exception action pauses at every error, and it captures the errors thrown there`, async (t) => {
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const service = await app(t, { script: THROWS, broker: cp.mqttUrl, module: 'cjs', node: nodeBinary(major) });
    const on = (marker: string) => ({ file: 'throw-lines.cjs', line: lineOf(THROWS, marker), tags: ['e2e'] });
    const log = (await addAction(cp, { type: 'log', ...on('throw-retry'), template: 'retry {i}' })).action.id;
    const counter = (await addAction(cp, { type: 'counter', name: 'retry.rethrows', ...on('rethrow-retry') })).action.id;
    const exception = (await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 60 })).action.id;
    for (const id of [log, counter, exception]) assert.match(await installed(cp, id), /^installed/);

    for (let round = 0; round < 2; round++)
      assert.equal(await (await fetch(`${service.url}/retry?times=3`)).text(), 'reported: attempt 2 failed');
    const outputs = (id: string) =>
      events
        .events()
        .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id)
        .map((e) => e.data as OutputEvent);
    await waitFor(() => outputs(log).length >= 6 && outputs(counter).length >= 1, WAIT, 'the log lines and the counter');
    // V8 up to Node 22's runs a throwing statement's conditions again, Node 24's mutes the throw's
    // pause where they were false: either way a line prints once a run, none is lost to a run taken
    // for V8's, and the error thrown on a line carrying an action is captured there.
    assert.deepEqual(
      outputs(log).map((o) => o.message),
      ['retry 0', 'retry 1', 'retry 2', 'retry 0', 'retry 1', 'retry 2'],
    );
    await waitFor(() => outputs(counter).reduce((sum, o) => sum + (o.hits ?? 1), 0) >= 2, WAIT, 'both rethrows counted');
    assert.equal(
      outputs(counter).reduce((sum, o) => sum + (o.hits ?? 1), 0),
      2,
    );
    const { snapshot } = await snapshots.waitFor(
      (e) => e.actionId === exception && e.snapshot.exception?.message === 'attempt 2 failed',
      WAIT,
      'the exception snapshot',
    );
    assert.equal(snapshot.location.line, lineOf(THROWS, 'throw-retry'));
  });

  test(`on Node ${major}, while the exception action watches uncaught errors only, a log on a throw line prints once at an uncaught throw there, and the exception action captures it`, async (t) => {
    await throwLinesInCooldown(t, nodeBinary(major));
  });

  test(`on Node ${major}, with an action waiting for a file not loaded, a pause before a new script between two throws of a throw line shifts none of its runs`, async (t) => {
    await throwLinesAcrossScriptPauses(t, nodeBinary(major));
  });

  test(`on Node ${major}, with the session open from start-up, V8 gives the app no baseline code and an action on a warm function installs and logs`, async (t) => {
    const service = await logOnWarmFunction(t, {}, nodeBinary(major));
    assert.ok(!service.output().includes(BASELINE_TRACE), `V8 compiled the warm function to baseline code:\n${service.output()}`);
  });
}
