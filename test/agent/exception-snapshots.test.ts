import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build } from 'esbuild';
import { Child, fromRoot } from '@liveprobe/harness';
import { cli } from '../helpers/cli.js';
import { compileTypeScript, lineOf, otlpReceiver, sseEvents, tempDir, type SseEvent } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { assertRefundThrowSite, find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/failing-app.mjs';

const installed = (actionId: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as { actionId: string }).actionId === actionId &&
  (event.data as { state: string }).state === 'installed';

async function stack(t: TestContext, env: Record<string, string> = {}) {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, agentId: 'failing', env });
  return { cp, snapshots, events, shop };
}

test('an uncaught error in an HTTP handler gives a snapshot of its throw site: locals, arguments, closure, cause chain and an exception span', async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const { cp, snapshots, events, shop } = await stack(t, { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'failing' });
  const added = await cli(['exception', 'add', '--tag', 'e2e'], { server: cp.url });
  assert.equal(added.code, 0, added.stderr);
  const created = /created (act_\w+) \(exception at reported errors\); list its snapshots with: liveprobe snapshots --action act_\w+/.exec(
    added.stdout,
  );
  assert.ok(created, added.stdout);
  const action = { id: created[1]! };
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  const response = await fetch(`${shop.url}/charge?card=expired&customer=grace&amount=19.99`);
  assert.equal(response.status, 500, 'the app still reports its own error');
  const { snapshot: s, id } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');

  assert.deepEqual(s.exception, {
    type: 'Error',
    message: 'card of grace declined after 3 attempts',
    causes: [{ type: 'TypeError', message: 'gateway eu-west refused card_declined' }],
  });
  assert.equal(s.location.line, lineOf(APP, 'throw-charge'));
  assert.match(s.location.file, /failing-app\.mjs$/);
  assert.equal(s.location.function, 'chargeCard');
  assert.equal(s.stack[0]?.function, 'chargeCard');
  assert.deepEqual(find(s.arguments, 'attempt'), { t: 'number', v: 3 });
  assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
  assert.equal(find(s.locals, 'declined').t, 'object');
  const module = s.scopes.find((scope) => scope.kind === 'module');
  assert.ok(module, 'the module scope is captured');
  assert.equal(find(module.variables, 'gateway').t, 'object');

  const span = await otlp.waitForSpan((sp) => sp.attributes['liveprobe.snapshot.id'] === id, WAIT, 'the exception span');
  assert.equal(span.name, 'exception Error');
  assert.equal(span.attributes['exception.type'], 'Error');
  assert.equal(span.attributes['exception.message'], 'card of grace declined after 3 attempts');
  assert.match(String(span.attributes['exception.stacktrace']), /at chargeCard/);
  assert.equal(span.attributes['liveprobe.action.id'], action.id);

  const listed = await cli(['snapshots', '--action', action.id], { server: cp.url });
  assert.match(listed.stdout, new RegExp(`${id}.*failing-app\\.mjs:${lineOf(APP, 'throw-charge')}`));
  const shown = await cli(['snapshots', 'show', id], { server: cp.url });
  assert.match(shown.stdout, /error +Error: card of grace declined after 3 attempts/);
  assert.match(shown.stdout, /caused by +TypeError: gateway eu-west refused card_declined/);
  const actions = await cli(['actions'], { server: cp.url });
  assert.match(actions.stdout, new RegExp(`${action.id} +exception +reported errors`));
});

test('repeated throws from one stack are deduplicated to the rate; another stack still gets its own', async (t) => {
  const { cp, snapshots, events, shop } = await stack(t);
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 2 });
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${shop.url}/charge?card=expired`)).status, 500);
  await fetch(`${shop.url}/lookup`);
  const other = await snapshots.waitFor((e) => e.snapshot.exception?.type === 'TypeError', WAIT, 'the other stack');
  assert.equal(other.snapshot.location.line, lineOf(APP, 'throw-lookup'));
  const charges = snapshots.items().filter((e) => e.snapshot.location.line === lineOf(APP, 'throw-charge'));
  assert.equal(charges.length, 2, 'five throws from one stack, two snapshots at 2 a minute');
  assert.match(shop.output(), /reported: card of ada declined after 3 attempts/);
});

test('a filter by error type captures only errors of that class', async (t) => {
  const { cp, snapshots, events, shop } = await stack(t);
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'], errorType: 'ValidationError' });
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  await fetch(`${shop.url}/lookup`);
  await fetch(`${shop.url}/charge?card=expired`);
  await fetch(`${shop.url}/validate?amount=-3`);
  const caught = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the ValidationError snapshot');
  assert.equal(caught.snapshot.exception?.type, 'ValidationError');
  assert.deepEqual(find(caught.snapshot.locals, 'problems').t, 'array');
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['ValidationError'],
    'the TypeError and the Error thrown before it were not captured',
  );
});

test('an error thrown in an async function nobody awaits (an unhandled rejection) gives a snapshot of its throw site', async (t) => {
  const { cp, snapshots, events, shop } = await stack(t);
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'] });
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  await fetch(`${shop.url}/settle?customer=lin`);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the rejection snapshot');
  assert.equal(s.exception?.message, 'ledger lin is closed');
  assert.equal(s.location.line, lineOf(APP, 'throw-settle'));
  assert.equal(find(s.locals, 'ledger').t, 'object');
});

/** How the app ends on its first uncaught error without the agent: the code the agent must keep. */
async function crashWithoutAgent(): Promise<number | null> {
  const child = new Child(process.execPath, [fromRoot(APP)], { name: 'failing app without the agent', env: { PORT: '0', CRASH: '1' } });
  const line = await child.waitForLine((text) => /listening on/.test(text), WAIT, '`listening on <url>`');
  await fetch(`${/(http:\/\/\S+)/.exec(line)?.[1]}/validate?amount=-1`).catch(() => undefined);
  return (await child.exited).code;
}

test('an app without an uncaughtException handler still crashes with the code it has without the agent, after its snapshot is sent', async (t) => {
  const withoutAgent = await crashWithoutAgent();
  assert.equal(withoutAgent, 1, 'Node ends an uncaught error with code 1');
  const { cp, snapshots, events, shop } = await stack(t, { CRASH: '1' });
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'] });
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  await fetch(`${shop.url}/validate?amount=-1`).catch(() => undefined);
  const status = await shop.exited;
  assert.deepEqual(status, { code: withoutAgent, signal: null });
  assert.match(shop.output(), /ValidationError: invalid order: negative amount/, 'Node still prints the error');
  const { snapshot } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the crash');
  assert.equal(snapshot.exception?.type, 'ValidationError');
});

test('in a TypeScript app the throw site and the stack are named in the TypeScript source, through its source map', async (t) => {
  const TS = 'test/fixtures/failing-ts/server.ts';
  const out = await tempDir('liveprobe-failing-ts-');
  t.after(() => out.remove());
  await compileTypeScript([fromRoot(TS)], { outDir: out.path, module: 'commonjs' });
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const refunds = await app(t, { script: join(out.path, 'server.js'), broker: cp.mqttUrl, module: 'cjs' });
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'], errorType: 'RangeError' });
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  assert.equal((await fetch(`${refunds.url}/?order=o-7&cents=9000`)).status, 500);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');
  assertRefundThrowSite(s);
  assert.equal(s.exception?.message, 'refund of 9000 over the limit of 5000');
});

for (const format of ['esm', 'cjs'] as const) {
  test(`in minified output (esbuild --minify, ${format}) the throw site's variables carry the names the source gives them, through its source map`, async (t) => {
    const out = await tempDir('liveprobe-failing-minified-');
    t.after(() => out.remove());
    const script = join(out.path, format === 'esm' ? 'app.mjs' : 'app.cjs');
    await build({ entryPoints: [fromRoot(APP)], bundle: true, platform: 'node', format, minify: true, sourcemap: true, outfile: script });
    assert.doesNotMatch(
      await readFile(script, 'utf8'),
      /\bcents\s*=|function chargeCard\b/,
      'the minifier renamed the locals and functions',
    );
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const shop = await app(t, { script, broker: cp.mqttUrl, module: format });
    const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'] });
    await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

    assert.equal((await fetch(`${shop.url}/charge?card=expired&customer=grace&amount=19.99`)).status, 500);
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');
    assert.match(s.location.file, /failing-app\.mjs$/);
    assert.equal(s.location.line, lineOf(APP, 'throw-charge'));
    assert.equal(s.location.function, 'chargeCard', 'the function as the source names it, not the minifier');
    assert.deepEqual(
      s.arguments.map((a) => a.name),
      ['order', 'attempt'],
    );
    assert.deepEqual(find(s.arguments, 'attempt'), { t: 'number', v: 3 });
    assert.equal(find(s.arguments, 'order').t, 'object');
    assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
    assert.equal(find(s.locals, 'declined').t, 'object');
    assert.equal(find(s.locals, 'cause').t, 'error');
    const module = s.scopes.find((scope) => scope.kind === 'module');
    assert.ok(module, 'the module scope is captured');
    assert.equal(find(module.variables, 'gateway').t, 'object');
  });
}

test('an error caught, then thrown again uncaught, is captured at its first throw site', async (t) => {
  const { cp, snapshots, events, shop } = await stack(t);
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'], errorType: 'ValidationError' });
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  assert.equal((await fetch(`${shop.url}/revalidate?amount=-2`)).status, 500);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the rethrown error');
  assert.equal(s.location.line, lineOf(APP, 'throw-validate'), 'where it was first thrown, not the rethrow');
  assert.equal(find(s.locals, 'problems').t, 'array');
  assert.match(shop.output(), /giving up on: invalid order: negative amount/);
});
