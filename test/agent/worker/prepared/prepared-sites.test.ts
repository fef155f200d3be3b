/**
 * Install path 2 end to end: an app whose files are prepared at load time (CommonJS through
 * the module loader, ESM through module.register hooks, with an import cycle), a control
 * plane, and actions that land on prepared sites without ever opening the inspector.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import type { ActionStatusEvent, DroppedEvent, OutputEvent, SnapshotEvent } from '@liveprobe/protocol';
import { ObservedList, fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents, waitFor } from '../../../helpers/index.js';
import { addAction, app, checkout, controlPlane, deleteAction, getAction, installed } from '../../fixtures.js';

const WAIT = 15_000;
const SERVER = 'test/fixtures/prepared/server.mjs';

async function get(url: string, path: string): Promise<unknown> {
  return (await fetch(`${url}${path}`)).json();
}

async function start(t: TestContext, module: 'cjs' | 'esm') {
  const cp = await controlPlane(t);
  const shop = await app(t, {
    // The CommonJS variant also loads the agent with --require (synchronously, through require(esm)).
    script: SERVER,
    broker: cp.mqttUrl,
    agentId: `prepared-${module}`,
    module,
    env: {
      WORK_MODULE: module,
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/*.?js,!**/server.mjs`,
      LIVEPROBE_LOG_LEVEL: 'debug',
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_LIVE_OUTPUT_PER_SECOND: '1000',
    },
  });
  return { cp, shop, file: `test/fixtures/prepared/work.${module === 'cjs' ? 'cjs' : 'mjs'}` };
}

for (const module of ['esm', 'cjs'] as const) {
  test(`${module}: an action on a prepared line fires on every hit, with no inspector session; removing it clears the flag`, async (t) => {
    const { cp, shop, file } = await start(t, module);
    await waitFor(() => /prepared [1-9]\d* files/.test(shop.output()), WAIT, 'the start-up report');
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const { action } = await addAction(cp, { type: 'log', file, line: lineOf(file, 'work-line'), template: 'n={n}', tags: ['e2e'] });
    assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
    for (let n = 0; n < 40; n++) assert.equal(await get(shop.url, `/work?n=${n}`), n * n + 1);
    await waitFor(
      () => events.events().filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id).length >= 40,
      WAIT,
      '40 outputs',
    );
    const lines = events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id)
      .map((e) => (e.data as OutputEvent).message);
    assert.deepEqual(
      lines,
      Array.from({ length: 40 }, (_, n) => `n=${n}`),
    );
    assert.equal(await get(shop.url, '/state'), false, 'the inspector session was never opened');

    // An inline site (a function with a closure) works the same way.
    const inline = await addAction(cp, { type: 'log', file, line: lineOf(file, 'inline-line'), template: 'total={total}', tags: ['e2e'] });
    assert.equal(await installed(cp, inline.action.id), 'installed: prepared site (no breakpoint)');
    await get(shop.url, '/inline?n=2');
    await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'total=6', WAIT, 'inline site output');

    await deleteAction(cp, action.id);
    await events.waitFor(
      (e) =>
        e.event === 'action_status' &&
        (e.data as ActionStatusEvent).actionId === action.id &&
        (e.data as ActionStatusEvent).state === 'removed',
      WAIT,
      'removed',
    );
    await get(shop.url, '/work?n=99');
    await get(shop.url, '/inline?n=1');
    await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'total=3', WAIT, 'a later output');
    assert.ok(!events.events().some((e) => e.event === 'output' && (e.data as OutputEvent).message === 'n=99'), 'no output after removal');
    assert.equal(await get(shop.url, '/state'), false);
  });

  test(`${module}: an arrow's expression body takes a prepared site; a line without one falls back to a breakpoint, which still works`, async (t) => {
    const { cp, shop, file } = await start(t, module);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const arrow = await addAction(cp, { type: 'log', file, line: lineOf(file, 'arrow-line'), template: 'arrow {n}', tags: ['e2e'] });
    assert.equal(await installed(cp, arrow.action.id), 'installed: prepared site (no breakpoint)');
    assert.equal(await get(shop.url, '/arrow?n=5'), 105);
    await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'arrow 5', WAIT, 'site output');
    assert.equal(await get(shop.url, '/state'), false, 'the inspector session was never opened');
    // A continuation line has no statement, so no site.
    const line = lineOf(file, 'pause-continuation');
    const { action } = await addAction(cp, { type: 'log', file, line, template: 'waited for {ms}', tags: ['e2e'] });
    assert.match(await installed(cp, action.id), /^installed: breakpoint/);
    assert.equal(await get(shop.url, '/state'), true, 'the breakpoint path opened the session');
    await get(shop.url, '/pause?n=5');
    await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'waited for 5', WAIT, 'breakpoint output');
    assert.equal(await get(shop.url, '/tag?n=3'), '#3:function', 'the import cycle resolved');
  });

  test(`${module}: an error thrown from prepared code names the original file and line, with and without a twin running`, async (t) => {
    const { cp, shop, file } = await start(t, module);
    const boomLine = lineOf(file, 'boom-line');
    const expected = new RegExp(`at (\\w+\\.)?boom \\((file://)?${fromRoot(file).replace(/[.]/g, '\\.')}:${boomLine}:\\d+\\)`);
    const before = String(await get(shop.url, '/boom?n=1'));
    assert.match(before, expected);
    const { action } = await addAction(cp, { type: 'log', file, line: boomLine - 1, template: 'boom {n}', tags: ['e2e'] });
    assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
    const during = String(await get(shop.url, '/boom?n=2'));
    assert.match(during, expected, during);
    assert.doesNotMatch(during, /\$lp/);
    // The guard's own frame is hidden: boom appears once.
    assert.equal(during.split('\n').filter((l) => /at (\w+\.)?boom /.test(l)).length, 1, during);
  });
}

test('esm: a snapshot at a prepared line captures arguments and locals without pausing or opening the inspector', async (t) => {
  const { cp, shop, file } = await start(t, 'esm');
  const client = await mqtt.connectAsync(cp.mqttUrl);
  t.after(() => client.endAsync());
  const snapshots = new ObservedList<SnapshotEvent>();
  client.on('message', (_topic, payload) => {
    const event = JSON.parse(payload.toString()) as { kind: string };
    if (event.kind === 'snapshot') snapshots.push(event as SnapshotEvent);
  });
  await client.subscribeAsync('liveprobe/v1/agents/+/events', { qos: 1 });
  const { action } = await addAction(cp, {
    type: 'snapshot',
    file,
    line: lineOf(file, 'work-line') + 1,
    watches: ['squared * 2'],
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  await get(shop.url, '/work?n=7');
  const event = await snapshots.waitFor((s) => s.actionId === action.id, WAIT, 'the snapshot');
  const s = event.snapshot;
  assert.deepEqual(s.arguments.find((v) => v.name === 'n')?.value, { t: 'number', v: 7 });
  assert.deepEqual(s.locals.find((v) => v.name === 'squared')?.value, { t: 'number', v: 49 });
  assert.deepEqual(s.watches[0]?.value, { t: 'number', v: 98 });
  assert.equal(await get(shop.url, '/state'), false);
});

test('an action named by a TypeScript file and line lands on the prepared site of the compiled file, through its source map', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, {
    script: 'examples/shop/dist/server.js',
    broker: cp.mqttUrl,
    agentId: 'prepared-ts',
    env: { LIVEPROBE_PREPARE: `${fromRoot('examples/shop/dist')}/**`, LIVEPROBE_PREPARE_CACHE: 'off' },
  });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const source = 'examples/shop/src/server.ts';
  const line = lineOf(source, 'checkout-return');
  const { action } = await addAction(cp, { type: 'log', file: source, line, template: 'order {order.id} for {userId}', tags: ['e2e'] });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  const status = (await getAction(cp, action.id)).statuses[0];
  assert.match(status?.location?.file ?? '', /examples\/shop\/src\/server\.ts$/);
  assert.equal(status?.location?.line, line);
  const order = (await (await checkout(shop.url)).json()) as { id: number };
  await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === `order ${order.id} for u1`, WAIT, 'the output');

  // The deployed-source check applies on prepared sites too.
  const same = await addAction(cp, {
    type: 'log',
    file: source,
    line,
    lineText: '  return order; // probe: checkout-return',
    template: 'x',
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, same.action.id), 'installed: prepared site (no breakpoint)');
  const differs = await addAction(cp, { type: 'log', file: source, line, lineText: 'return order.total;', template: 'x', tags: ['e2e'] });
  assert.match(await installed(cp, differs.action.id), /^error: deployed source differs at \S*examples\/shop\/src\/server\.ts:\d+/);

  // A line the compiler dropped (an interface) moves to the next prepared site, and says so as a breakpoint would.
  const typeOnly = lineOf(source, 'type-only');
  const moved = await addAction(cp, { type: 'log', file: source, line: typeOnly, template: 'x', tags: ['e2e'] });
  const movedStatus = await installed(cp, moved.action.id);
  const movedTo = (await getAction(cp, moved.action.id)).statuses[0]?.location?.line ?? 0;
  assert.ok(movedTo > typeOnly, `moved past line ${typeOnly}, to ${movedTo}`);
  assert.equal(
    movedStatus,
    `installed: prepared site (no breakpoint); line ${typeOnly} has no code; installed at line ${movedTo}, the next line with code; line ${movedTo} is top-level code of its file, which runs once, as the file loads: the action will not hit it again once the file has loaded; put it on a line inside a function`,
  );
});

test('esm: over its byte quota a log on a prepared site stays on and samples: the lines over are counted, and output goes on', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, {
    script: SERVER,
    broker: cp.mqttUrl,
    agentId: 'prepared-quota',
    env: {
      WORK_MODULE: 'esm',
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/work.mjs`,
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_QUOTA_BYTES_PER_SECOND: '40',
    },
  });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const file = 'test/fixtures/prepared/work.mjs';
  const { action } = await addAction(cp, { type: 'log', file, line: lineOf(file, 'work-line'), template: 'n={n}', tags: ['e2e'] });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  for (let n = 0; n < 30; n++) await get(shop.url, `/work?n=${n}`);
  // 30 lines of 3-4 bytes against a 40-byte bucket: most are counted as sampled, none pauses the site.
  await events.waitFor(
    (e) =>
      e.event === 'dropped' && (e.data as DroppedEvent).actionId === action.id && (e.data as DroppedEvent).reason.startsWith('sampled:'),
    WAIT,
    'the lines over the quota, counted as sampled',
  );
  // The bucket refills at 40 bytes a second: a later line goes out.
  await waitFor(
    async () => {
      await get(shop.url, '/work?n=1000');
      return events.events().some((e) => e.event === 'output' && (e.data as OutputEvent).message === 'n=1000');
    },
    WAIT,
    'output once the quota refilled',
  );
  assert.ok(
    !events.events().some((e) => e.event === 'action_status' && (e.data as ActionStatusEvent).state === 'paused'),
    'sampling is not a pause',
  );
  assert.equal(await get(shop.url, '/state'), false, 'and no inspector session opened');
});

test('esm: over the live output rate a log on a prepared site sends that many lines and counts every other one as dropped', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, {
    script: SERVER,
    broker: cp.mqttUrl,
    agentId: 'prepared-live-rate',
    env: {
      WORK_MODULE: 'esm',
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/work.mjs`,
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_LIVE_OUTPUT_PER_SECOND: '5',
    },
  });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const file = 'test/fixtures/prepared/work.mjs';
  const { action } = await addAction(cp, { type: 'log', file, line: lineOf(file, 'work-line'), template: 'n={n}', tags: ['e2e'] });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  const ofAction = () => events.events().filter((e) => (e.data as { actionId?: string }).actionId === action.id);
  const accounted = () => {
    const seen = ofAction();
    const sent = seen.filter((e) => e.event === 'output').length;
    const dropped = seen
      .filter((e) => e.event === 'dropped' && (e.data as DroppedEvent).reason.startsWith('live output is limited'))
      .reduce((sum, e) => sum + (e.data as DroppedEvent).count, 0);
    return { sent, dropped };
  };
  // Two bursts, a second apart or more: each second sends at most 5 lines, and counts the rest.
  for (let n = 0; n < 40; n++) await get(shop.url, `/work?n=${n}`);
  await waitFor(() => accounted().sent + accounted().dropped >= 40, WAIT, 'all 40 lines sent or counted as dropped');
  for (let n = 40; n < 80; n++) await get(shop.url, `/work?n=${n}`);
  await waitFor(() => accounted().sent + accounted().dropped >= 80, WAIT, 'all 80 lines sent or counted as dropped');
  // Later lines, once those are accounted for, until a new second sends one again.
  let hits = 80;
  await waitFor(
    async () => {
      await get(shop.url, `/work?n=${1000 + hits}`);
      hits++;
      return ofAction().some((e) => e.event === 'output' && /^n=1\d{3}$/.test((e.data as OutputEvent).message));
    },
    WAIT,
    'a line sent in a later second',
  );
  await waitFor(() => accounted().sent + accounted().dropped >= hits, WAIT, `all ${hits} lines sent or counted as dropped`);
  const { sent, dropped } = accounted();
  assert.equal(sent + dropped, hits, `every line sent or counted once (sent ${sent}, dropped ${dropped}, hits ${hits})`);
  assert.ok(dropped > 0 && sent < hits / 2, `the rate held (sent ${sent} of ${hits})`);
});

test('esm: an action that arrived before its file was imported moves to the prepared site once the file loads, and the session closes', async (t) => {
  const { cp, shop } = await start(t, 'esm');
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const file = 'test/fixtures/prepared/lazy.mjs';
  const { action } = await addAction(cp, { type: 'log', file, line: lineOf(file, 'lazy-line'), template: 'lazy {n}', tags: ['e2e'] });
  await events.waitFor((e) => e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === action.id, WAIT, 'a first status');
  assert.equal(await get(shop.url, '/lazy?n=1'), 3);
  await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as ActionStatusEvent).actionId === action.id &&
      (e.data as ActionStatusEvent).message === 'prepared site (no breakpoint)',
    WAIT,
    'moved to the prepared site',
  );
  assert.equal(await get(shop.url, '/lazy?n=2'), 6);
  await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'lazy 2', WAIT, 'output from the prepared site');
  // The first call, made as the file loaded, counts too (docs/architecture.md §5), and only once.
  // It leaves from the breakpoint's path, the second from the prepared site's: either may arrive first.
  const lines = () =>
    events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id)
      .map((e) => (e.data as OutputEvent).message);
  await waitFor(() => lines().includes('lazy 1'), WAIT, 'output of the call made as the file loaded');
  assert.deepEqual(lines().sort(), ['lazy 1', 'lazy 2']);
  await waitFor(async () => (await get(shop.url, '/state')) === false, WAIT, 'the inspector session to close');
});
