import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { CapturedValue } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, otlpReceiver, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, getAction } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const SHOP_TS = 'examples/shop/dist/server.js';
const SERVER_TS = 'examples/shop/src/server.ts';
const INVENTORY_TS = 'examples/shop/src/inventory.ts';
const RETURN_LINE = lineOf(SERVER_TS, 'checkout-return');

const prop = (value: CapturedValue, name: string): CapturedValue => {
  assert.equal(value.t, 'object', `expected an object, got ${JSON.stringify(value)}`);
  const entry = (value as Extract<CapturedValue, { t: 'object' }>).props.find(([key]) => key === name);
  assert.ok(entry, `no property ${name} in ${JSON.stringify(value)}`);
  return entry[1];
};
const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as { actionId: string; state: string }).actionId === actionId &&
  (event.data as { state: string }).state === state;

test('a snapshot at a TypeScript line captures arguments, locals, closure and module values, watches and a source-mapped stack', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, {
    script: SHOP_TS,
    broker: cp.mqttUrl,
    agentId: 'ts-shop',
    env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'shop' },
  });

  const { action } = await addAction(cp, {
    type: 'snapshot',
    file: 'src/server.ts',
    line: RETURN_LINE,
    watches: ['order.amount * 2', 'user.name', 'missing.field'],
    tags: ['e2e'],
  });
  const installed = await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'the snapshot installs');
  assert.deepEqual((installed.data as { location: unknown }).location, { file: `${process.cwd()}/${SERVER_TS}`, line: RETURN_LINE });

  const sent = performance.now();
  const order = (await (await checkout(shop.url, 'u1', 3)).json()) as { id: number; amount: number };
  const roundTrip = performance.now() - sent;
  const event = await snapshots.waitFor((s) => s.actionId === action.id, WAIT, 'the snapshot');
  const s = event.snapshot;

  assert.equal(s.location.line, RETURN_LINE);
  assert.match(s.location.file, /examples\/shop\/src\/server\.ts$/);
  assert.equal(s.location.function, 'checkout');
  assert.match(s.stack[0]?.file ?? '', /examples\/shop\/src\/server\.ts$/, 'the top frame is mapped to the TypeScript source');
  assert.equal(s.stack[0]?.line, RETURN_LINE);
  assert.equal(s.stack[0]?.function, 'checkout');

  assert.deepEqual(find(s.arguments, 'userId'), { t: 'string', v: 'u1' });
  assert.equal(find(s.arguments, 'items').t, 'array');
  const captured = find(s.locals, 'order');
  assert.deepEqual(prop(captured, 'id'), { t: 'number', v: order.id });
  assert.deepEqual(prop(captured, 'amount'), { t: 'number', v: order.amount });
  assert.deepEqual(prop(find(s.locals, 'user'), 'name'), { t: 'string', v: 'Ada' });
  const module = s.scopes.find((scope) => scope.kind === 'module');
  assert.ok(module, 'the module scope is captured');
  const inventory = find(module.variables, 'inventory');
  assert.equal(inventory.t === 'object' ? inventory.cls : inventory.t, 'Inventory');

  assert.deepEqual(s.watches[0], { expression: 'order.amount * 2', value: { t: 'number', v: order.amount * 2 } });
  assert.deepEqual(s.watches[1], { expression: 'user.name', value: { t: 'string', v: 'Ada' } });
  assert.match(s.watches[2]?.error ?? '', /`missing` is not available at this line/);
  // The capture happens inside the request: measured, and no longer than the request took.
  assert.ok(s.stallMs > 0 && s.stallMs <= roundTrip, `stall ${s.stallMs} ms, request ${roundTrip.toFixed(1)} ms`);
  assert.ok(s.bytes > 0);

  // maxHits defaults to 1 for snapshots.
  await events.waitFor(isStatus(action.id, 'hit_limit'), WAIT, 'the hit limit');
  const span = await otlp.waitForSpan((sp) => sp.attributes['liveprobe.snapshot.id'] === event.id, WAIT, 'the snapshot span');
  assert.equal(span.name, `snapshot ${process.cwd()}/${SERVER_TS}:${RETURN_LINE}`);
  assert.equal(span.attributes['liveprobe.action.id'], action.id);
  assert.equal(span.resource['service.instance.id'], 'ts-shop');
  assert.match(String(span.attributes['liveprobe.snapshot.summary']), /userId/);
});

test('actions named by a TypeScript file and line go through source maps; a line without code moves to the next', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: SHOP_TS, broker: cp.mqttUrl });
  const reserve = lineOf(INVENTORY_TS, 'reserve');
  const log = await addAction(cp, {
    type: 'log',
    file: INVENTORY_TS,
    line: reserve,
    template: 'reserving {quantity} of {sku}',
    tags: ['e2e'],
  });
  // `interface OrderLine {` leaves nothing in the JavaScript.
  const typeOnly = lineOf(SERVER_TS, 'type-only');
  const moved = await addAction(cp, { type: 'log', file: SERVER_TS, line: typeOnly, template: 'x', tags: ['e2e'] });
  await events.waitFor(isStatus(log.action.id, 'installed'), WAIT, 'the log installs');
  const movedStatus = await events.waitFor(isStatus(moved.action.id, 'installed'), WAIT, 'the moved action installs');
  const { message, location } = movedStatus.data as { message: string; location: { file: string; line: number } };
  assert.match(
    message,
    new RegExp(`^breakpoint; line ${typeOnly} has no code; installed at line ${location.line}, the next line with code$`),
  );
  assert.ok(location.line > typeOnly);
  assert.match(location.file, /src\/server\.ts$/);
  // A line of the file's top-level code ran as the file loaded: the status says the action will not see it again.
  const topLevel =
    readFileSync(fromRoot(SERVER_TS), 'utf8')
      .split('\n')
      .findIndex((text) => text.startsWith('const inventory = ')) + 1;
  const once = await addAction(cp, { type: 'log', file: SERVER_TS, line: topLevel, template: 'x', tags: ['e2e'] });
  const onceStatus = await events.waitFor(isStatus(once.action.id, 'installed'), WAIT, 'the top-level action installs');
  assert.equal(
    (onceStatus.data as { message: string }).message,
    `breakpoint; line ${topLevel} is top-level code of its file, which runs once, as the file loads: the action will not hit it again once the file has loaded; put it on a line inside a function`,
  );

  await checkout(shop.url, 'u2', 2);
  const output = await events.waitFor(
    (e) => e.event === 'output' && (e.data as { actionId: string }).actionId === log.action.id,
    WAIT,
    'the output',
  );
  assert.equal((output.data as { message: string }).message, 'reserving 2 of tea');
  assert.match((output.data as { file: string }).file, /examples\/shop\/src\/inventory\.ts$/);
  assert.equal((output.data as { line: number }).line, reserve);
  const view = await getAction(cp, log.action.id);
  assert.ok(view.statuses.some((st) => st.location?.line === reserve && /inventory\.ts$/.test(st.location.file)));
});

test('with auto-instrumentations loaded, the snapshot span is a child of the HTTP server span', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, {
    script: SHOP_TS,
    broker: cp.mqttUrl,
    extraImports: ['./test/fixtures/otel-esm-hook.mjs', '@opentelemetry/auto-instrumentations-node/register'],
    env: { ...otlp.env('http/json'), OTEL_SERVICE_NAME: 'traced-shop', OTEL_METRICS_EXPORTER: 'none' },
  });
  const { action } = await addAction(cp, { type: 'snapshot', file: SERVER_TS, line: RETURN_LINE, tags: ['e2e'] });
  await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'installed');
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const response = await fetch(`${shop.url}/checkout`, {
    method: 'POST',
    headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    body: JSON.stringify({ user: 'u1', items: [{ sku: 'pot', quantity: 1 }] }),
  });
  assert.equal(response.status, 200);
  const span = await otlp.waitForSpan((sp) => sp.attributes['liveprobe.action.id'] === action.id, WAIT, 'the snapshot span');
  assert.equal(span.traceId, traceId);
  const server = await otlp.waitForSpan((sp) => sp.traceId === traceId && sp.parentSpanId === 'b7ad6b7169203331', WAIT, 'the server span');
  await waitFor(() => otlp.spans().some((sp) => sp.spanId === span.parentSpanId), WAIT, 'the snapshot span’s parent');
  // The parent is the request's span (the server span, or a span inside it), never a foreign trace.
  const parent = otlp.spans().find((sp) => sp.spanId === span.parentSpanId);
  assert.equal(parent?.traceId, traceId);
  assert.ok(server.spanId !== '');
  assert.equal(span.resource['service.name'], 'traced-shop', 'it went through the app’s own SDK');
});

test('snapshots work while another debugger in the process resumes every pause it sees', async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: SHOP_TS, broker: cp.mqttUrl, extraImports: ['./test/fixtures/resume-every-pause.mjs'] });
  const { action } = await addAction(cp, { type: 'snapshot', file: SERVER_TS, line: RETURN_LINE, tags: ['e2e'], maxHits: 3 });
  await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'installed');
  for (let i = 0; i < 3; i++) assert.equal((await checkout(shop.url)).status, 200);
  await waitFor(() => snapshots.items().filter((s) => s.actionId === action.id).length === 3, WAIT, 'three snapshots');
  for (const s of snapshots.items()) assert.equal(find(s.snapshot.arguments, 'userId').t, 'string');
});

test('snapshots in a class method, inside a closure and in a loop capture the right values; the service keeps answering', async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: SHOP_TS, broker: cp.mqttUrl });
  const method = await addAction(cp, {
    type: 'snapshot',
    file: INVENTORY_TS,
    line: lineOf(INVENTORY_TS, 'reserve'),
    watches: ['this.reservations'],
    tags: ['e2e'],
  });
  const closure = await addAction(cp, { type: 'snapshot', file: SERVER_TS, line: lineOf(SERVER_TS, 'line-amount'), tags: ['e2e'] });
  const loop = await addAction(cp, {
    type: 'snapshot',
    file: SERVER_TS,
    line: lineOf(SERVER_TS, 'reserve-loop'),
    maxHits: 2,
    tags: ['e2e'],
  });
  for (const a of [method, closure, loop]) await events.waitFor(isStatus(a.action.id, 'installed'), WAIT, `${a.action.id} installed`);

  const response = await fetch(`${shop.url}/checkout`, {
    method: 'POST',
    body: JSON.stringify({
      user: 'u1',
      items: [
        { sku: 'tea', quantity: 2 },
        { sku: 'mug', quantity: 1 },
      ],
    }),
  });
  assert.equal(response.status, 200);
  const of = (id: string) =>
    snapshots
      .items()
      .filter((s) => s.actionId === id)
      .map((s) => s.snapshot);
  await waitFor(
    () => of(loop.action.id).length === 2 && of(method.action.id).length === 1 && of(closure.action.id).length === 1,
    WAIT,
    'all snapshots',
  );

  const [inMethod] = of(method.action.id);
  assert.equal(inMethod!.location.function, 'reserve');
  assert.equal(inMethod!.this?.t === 'object' ? inMethod!.this.cls : undefined, 'Inventory');
  assert.deepEqual(find(inMethod!.arguments, 'sku'), { t: 'string', v: 'tea' });
  assert.deepEqual(prop(find(inMethod!.locals, 'product'), 'stock'), { t: 'number', v: 1000 });
  assert.equal(inMethod!.watches[0]?.value?.t, 'number');
  assert.equal(inMethod!.stack[1]?.function, 'checkout', 'the caller is the async handler');
  assert.match(inMethod!.stack[1]?.file ?? '', /src\/server\.ts$/);

  const [inClosure] = of(closure.action.id);
  assert.deepEqual(find(inClosure!.locals, 'product').t, 'object');
  assert.deepEqual(find(inClosure!.arguments, 'sku'), { t: 'string', v: 'tea' }, 'destructured parameters are arguments');
  const enclosing = inClosure!.scopes.find((s) => s.kind === 'closure');
  assert.ok(enclosing, 'the enclosing function is a closure scope');
  assert.equal(enclosing.name, 'checkout');
  // The callback never uses userId, so V8 did not keep it: said, not guessed.
  assert.equal(find(enclosing.variables, 'userId').t, 'unavailable');
  const module = inClosure!.scopes.find((s) => s.kind === 'module');
  assert.equal(find(module!.variables, 'inventory').t, 'object', 'what the callback does use is there');

  const skus = of(loop.action.id).map((s) => prop(find(s.locals, 'line'), 'sku'));
  assert.deepEqual(
    skus,
    [
      { t: 'string', v: 'tea' },
      { t: 'string', v: 'mug' },
    ],
    'one snapshot per iteration, each with its own loop variable',
  );
  assert.equal((await checkout(shop.url)).status, 200, 'the service keeps answering');
});

test('a snapshot on a line that is never hit expires and says so; one on an unknown file lists the candidates', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: SHOP_TS, broker: cp.mqttUrl });
  // The action expires 2 s after it is created: an agent still connecting then never sees it.
  await waitFor(() => shop.output().includes('[liveprobe] connected to'), WAIT, 'the agent to connect');
  const idle = await addAction(cp, {
    type: 'snapshot',
    file: SERVER_TS,
    line: lineOf(SERVER_TS, 'product-lookup'),
    expiresIn: '2s',
    tags: ['e2e'],
  });
  await events.waitFor(isStatus(idle.action.id, 'installed'), WAIT, 'installed');
  const expired = await events.waitFor(isStatus(idle.action.id, 'expired'), WAIT, 'expired');
  assert.equal((expired.data as { message: string }).message, 'expired');
  await waitFor(async () => (await getAction(cp, idle.action.id)).state === 'expired', WAIT, 'listed as expired');

  const unknown = await addAction(cp, { type: 'snapshot', file: 'lib/server.ts', line: 3, tags: ['e2e'] });
  const error = await events.waitFor(isStatus(unknown.action.id, 'pending'), WAIT, 'the status saying it waits');
  assert.match(
    (error.data as { message: string }).message,
    /no loaded script matches `lib\/server\.ts`; loaded files with the same name: \S*examples\/shop\/src\/server\.ts/,
  );
  // A typo in the name: the app's files a letter or two away are offered, and the action still waits for the name given.
  for (const [typo, meant] of [
    ['src/sever.ts', /src\/server\.ts/],
    ['invetnory.ts', /src\/inventory\.ts/],
    ['src/server.tsx', /src\/server\.ts/],
  ] as const) {
    const mistyped = await addAction(cp, { type: 'snapshot', file: typo, line: 3, tags: ['e2e'] });
    const waiting = await events.waitFor(isStatus(mistyped.action.id, 'pending'), WAIT, `the status for ${typo}`);
    const message = (waiting.data as { message: string }).message;
    assert.match(message, new RegExp(`^no loaded script matches \`${typo.replace(/\./g, '\\.')}\`; did you mean \\S*${meant.source}`));
    assert.doesNotMatch(message, /node_modules/, 'a dependency’s files are not offered');
  }
  // Nothing near: no suggestion.
  const far = await addAction(cp, { type: 'snapshot', file: 'src/billing-service.ts', line: 3, tags: ['e2e'] });
  const farStatus = await events.waitFor(isStatus(far.action.id, 'pending'), WAIT, 'the status for a name nothing is near');
  assert.doesNotMatch((farStatus.data as { message: string }).message, /did you mean/);
});
