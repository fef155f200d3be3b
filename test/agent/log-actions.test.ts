import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent, ActionStatusEvent } from '@liveprobe/protocol';
import { cli, lineOf, otlpReceiver, sseEvents, tailCli, waitFor, type SseEvent } from '../helpers/index.js';
import {
  addAction,
  app,
  checkout,
  controlPlane,
  deleteAction,
  getAction,
  installed,
  isOutput,
  isStatus,
  mosquittoStack,
  ORDERS_CJS,
  SHOP,
} from './fixtures.js';

const WAIT = 15_000;
const RETURN_LINE = lineOf(SHOP, 'checkout-return');
const INVENTORY = 'examples/shop/dist/inventory.js';

const outputs = (events: SseEvent[], actionId: string) => events.filter(isOutput(actionId)).map((e) => e.data as OutputEvent);

test('a log action added over REST and another over the CLI print formatted lines in `liveprobe tail` and reach a real OTLP receiver', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const shop = await app(t, {
    broker: cp.mqttUrl,
    agentId: 'shop-1',
    env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'shop', OTEL_BLRP_SCHEDULE_DELAY: '100' },
  });
  const tail = await tailCli([], { server: cp.url });
  t.after(() => tail.stop());

  const { action } = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'order {order.id} for {userId}: {amount}',
    tags: ['e2e'],
  });
  const added = await cli(
    ['log', 'add', `${INVENTORY}:${lineOf(INVENTORY, 'reserve')}`, 'reserving {quantity} of {sku}', '--tag', 'e2e', '--level', 'warn'],
    { server: cp.url },
  );
  assert.equal(added.code, 0, added.stderr);
  const cliId = /created (act_\w+)/.exec(added.stdout)?.[1];
  assert.ok(cliId, `no action id in: ${added.stdout}`);
  for (const id of [action.id, cliId]) {
    await waitFor(
      async () => (await getAction(cp, id)).statuses.some((s) => s.agentId === 'shop-1' && s.state === 'installed'),
      WAIT,
      `${id} installed`,
    );
  }

  const order = (await (await checkout(shop.url)).json()) as { id: number; amount: number };
  const expected = `order ${order.id} for u1: ${order.amount}`;
  const printed = await tail.waitForLine((line) => line.endsWith(expected), WAIT, expected);
  assert.match(printed, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO shop-1 \\S*examples/shop/dist/server\\.js:${RETURN_LINE} `));
  await tail.waitForLine((line) => / WARN shop-1 .*inventory\.js:\d+ reserving 2 of tea$/.test(line), WAIT, 'the CLI action line');

  const record = await otlp.waitForLog((r) => r.body === expected, WAIT, 'the log record of the REST action');
  assert.equal(record.severityText, 'INFO');
  assert.equal(record.attributes['liveprobe.action.id'], action.id);
  assert.equal(record.attributes['code.line.number'], RETURN_LINE);
  assert.match(String(record.attributes['code.file.path']), /examples\/shop\/dist\/server\.js$/);
  assert.equal(record.attributes['code.function.name'], 'checkout');
  assert.equal(record.resource['service.name'], 'shop');
  assert.equal(record.resource['service.instance.id'], 'shop-1');
  const warn = await otlp.waitForLog((r) => r.body === 'reserving 2 of tea', WAIT, 'the log record of the CLI action');
  assert.equal(warn.severityText, 'WARN');
  assert.equal(warn.attributes['code.function.name'], 'reserve');
  assert.deepEqual(otlp.errors(), []);
});

for (const module of ['cjs', 'esm'] as const) {
  test(`with auto-instrumentations loaded (${module} app), log records carry the trace and span ids of the HTTP request`, async (t) => {
    const cp = await controlPlane(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    const script = module === 'cjs' ? ORDERS_CJS : SHOP;
    const extraImports = [
      ...(module === 'esm' ? ['./test/fixtures/otel-esm-hook.mjs'] : []),
      '@opentelemetry/auto-instrumentations-node/register',
    ];
    const service = await app(t, {
      script,
      module,
      extraImports,
      broker: cp.mqttUrl,
      agentId: `traced-${module}`,
      env: {
        ...otlp.env('http/json'),
        OTEL_SERVICE_NAME: `traced-${module}`,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_BLRP_SCHEDULE_DELAY: '100',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    const line = module === 'cjs' ? lineOf(ORDERS_CJS, 'cjs-total') : RETURN_LINE;
    const template = module === 'cjs' ? 'total {total} for order {order.id}' : 'order {order.id} paid {amount}';
    const { action } = await addAction(cp, { type: 'log', file: script, line, template, tags: ['e2e'] });
    await waitFor(async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed'), WAIT, 'installed');

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const headers = { traceparent: `00-${traceId}-${parentSpanId}-01` };
    const response =
      module === 'cjs'
        ? await fetch(`${service.url}/?id=o-77`, { headers })
        : await fetch(`${service.url}/checkout`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ user: 'u2', items: [{ sku: 'mug', quantity: 1 }] }),
          });
    assert.equal(response.status, 200);

    const record = await otlp.waitForLog((r) => r.attributes['liveprobe.action.id'] === action.id, WAIT, 'the log record');
    assert.equal(
      record.body,
      module === 'cjs' ? 'total 21 for order o-77' : `order ${((await response.json()) as { id: number }).id} paid 12`,
    );
    assert.equal(record.traceId, traceId, 'the record belongs to the request’s trace');
    assert.match(record.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(record.spanId, parentSpanId, 'the record is tied to the server span, not the caller’s');
    // It went through the app's own SDK, so it carries the app's resource.
    assert.equal(record.resource['service.name'], `traced-${module}`);
  });
}

test('an agent that starts after the action was created receives it, and deleting the action stops its output', async (t) => {
  const cp = await controlPlane(t);
  const created = await addAction(cp, { type: 'log', file: SHOP, line: RETURN_LINE, template: 'late {order.id}', tags: ['late-joiners'] });
  assert.match(created.warnings.join('\n'), /no agent has reported tag "late-joiners"/);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { broker: cp.mqttUrl, tags: ['late-joiners'] });

  await events.waitFor(isStatus(created.action.id, 'installed'), WAIT, 'the late agent installs the action');
  await checkout(shop.url);
  await events.waitFor(isOutput(created.action.id), WAIT, 'output from the late agent');

  await deleteAction(cp, created.action.id);
  await events.waitFor(isStatus(created.action.id, 'removed'), WAIT, 'the agent removes the action');
  // A second action on the same line proves a later request was probed, and the deleted one stayed silent.
  const sentinel = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'sentinel {order.id}',
    tags: ['late-joiners'],
  });
  await events.waitFor(isStatus(sentinel.action.id, 'installed'), WAIT, 'the sentinel installs');
  const before = outputs(events.events(), created.action.id).length;
  await checkout(shop.url);
  await events.waitFor(isOutput(sentinel.action.id), WAIT, 'sentinel output');
  assert.equal(outputs(events.events(), created.action.id).length, before, 'no output after deletion');
});

test('maxHits and expiresIn are honoured', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { broker: cp.mqttUrl });
  const limited = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'limited {order.id}',
    tags: ['e2e'],
    maxHits: 2,
  });
  const expiring = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'expiring {order.id}',
    tags: ['e2e'],
    expiresIn: '3s',
  });
  await events.waitFor(isStatus(limited.action.id, 'installed'), WAIT, 'limited installs');
  await events.waitFor(isStatus(expiring.action.id, 'installed'), WAIT, 'expiring installs');

  for (let i = 0; i < 4; i++) assert.equal((await checkout(shop.url)).status, 200);
  await events.waitFor(isStatus(limited.action.id, 'hit_limit'), WAIT, 'the hit limit is reported');
  await waitFor(() => outputs(events.events(), expiring.action.id).length === 4, WAIT, 'four lines from the unlimited action');
  assert.equal(outputs(events.events(), limited.action.id).length, 2, 'exactly maxHits lines');

  await waitFor(async () => (await getAction(cp, expiring.action.id)).state === 'expired', WAIT, 'the action expires');
  const sentinel = await addAction(cp, { type: 'log', file: SHOP, line: RETURN_LINE, template: 'sentinel {order.id}', tags: ['e2e'] });
  await events.waitFor(isStatus(sentinel.action.id, 'installed'), WAIT, 'the sentinel installs');
  await checkout(shop.url);
  await events.waitFor(isOutput(sentinel.action.id), WAIT, 'sentinel output');
  assert.equal(outputs(events.events(), expiring.action.id).length, 4, 'no output after expiry');
  assert.equal(outputs(events.events(), limited.action.id).length, 2, 'no output after the hit limit');
});

test('the same path works through a real Mosquitto broker', async (t) => {
  const { broker, cp } = await mosquittoStack(t);
  const shop = await app(t, { broker: broker.url, agentId: 'via-mosquitto' });
  const tail = await tailCli([], { server: cp.url });
  t.after(() => tail.stop());
  const { action } = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'mosquitto order {order.id} of {userId}',
    tags: ['e2e'],
  });
  await waitFor(
    async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed'),
    WAIT,
    'installed via Mosquitto',
  );
  const order = (await (await checkout(shop.url, 'u2')).json()) as { id: number };
  await tail.waitForLine(
    (line) => line.includes('via-mosquitto') && line.endsWith(`mosquitto order ${order.id} of u2`),
    WAIT,
    'the line via Mosquitto',
  );
});

test('bad input gets a clear error where the user looks, and the app keeps serving', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { broker: cp.mqttUrl, agentId: 'shop-bad' });

  const statusOf = async (id: string) => {
    let found: { state: string; message?: string; location?: { line: number } } | undefined;
    await waitFor(
      async () => {
        found = (await getAction(cp, id)).statuses.find((s) => s.agentId === 'shop-bad');
        return found !== undefined;
      },
      WAIT,
      `a status for ${id}`,
    );
    return found!;
  };

  const unknownFile = await addAction(cp, { type: 'log', file: 'src/nope.ts', line: 3, template: 'x', tags: ['e2e'] });
  const missing = await statusOf(unknownFile.action.id);
  assert.equal(missing.state, 'pending', 'a file not loaded may load later: the action waits for it');
  assert.match(missing.message ?? '', /no loaded script matches `src\/nope\.ts`/);

  const pastEnd = await addAction(cp, { type: 'log', file: SHOP, line: 5000, template: 'x', tags: ['e2e'] });
  const past = await statusOf(pastEnd.action.id);
  assert.equal(past.state, 'error');
  assert.match(past.message ?? '', /line 5000 is past the end of \S+server\.js \(\d+ lines\)/);

  // The blank line after checkout() has no code: V8 moves the breakpoint and the status says so.
  const blankLine = RETURN_LINE + 2;
  const moved = await addAction(cp, { type: 'log', file: SHOP, line: blankLine, template: 'x', tags: ['e2e'] });
  const movedStatus = await statusOf(moved.action.id);
  assert.equal(movedStatus.state, 'installed');
  assert.match(movedStatus.message ?? '', new RegExp(`line ${blankLine} has no code; installed at line \\d+`));

  const badTemplate = await cli(['log', 'add', `${SHOP}:${RETURN_LINE}`, 'order {order.id', '--tag', 'e2e'], { server: cp.url });
  assert.equal(badTemplate.code, 1);
  assert.match(badTemplate.stderr, /error: <template> "order \{order\.id": unclosed `\{` at column 7/);
  const rest = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    body: JSON.stringify({ type: 'log', file: SHOP, line: RETURN_LINE, template: 'total {items.push(1)}', tags: ['e2e'] }),
  });
  assert.equal(rest.status, 400);
  const body = (await rest.json()) as { error: { issues: { path: string; message: string }[] } };
  assert.equal(body.error.issues[0]?.path, 'template');
  assert.match(body.error.issues[0]?.message ?? '', /call to `items\.push`/);

  const unknownTag = await cli(['log', 'add', `${SHOP}:${RETURN_LINE}`, 'x', '--tag', 'e2ee'], { server: cp.url });
  assert.equal(unknownTag.code, 0);
  assert.match(unknownTag.stderr, /warning: no agent has reported tag "e2ee" yet \(known tags: e2e\)/);

  const failing = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'user {user.name}',
    condition: 'order.missing.field > 1',
    tags: ['e2e'],
  });
  await events.waitFor(isStatus(failing.action.id, 'installed'), WAIT, 'the failing action installs');
  const response = await checkout(shop.url);
  assert.equal(response.status, 200, 'the app keeps serving');
  const error = await events.waitFor(isStatus(failing.action.id, 'error'), WAIT, 'the evaluation error is reported');
  assert.match(
    (error.data as ActionStatusEvent).message ?? '',
    /condition `order\.missing\.field > 1`: `order\.missing\.field`: order\.missing is undefined/,
  );
  assert.equal(outputs(events.events(), failing.action.id).length, 0);
});

test('two actions on the same line both print', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { broker: cp.mqttUrl });
  const first = await addAction(cp, { type: 'log', file: SHOP, line: RETURN_LINE, template: 'first {order.id}', tags: ['e2e'] });
  const second = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'second {amount}',
    condition: 'amount > 5',
    tags: ['e2e'],
  });
  await events.waitFor(isStatus(first.action.id, 'installed'), WAIT, 'first installs');
  await events.waitFor(isStatus(second.action.id, 'installed'), WAIT, 'second installs');
  const order = (await (await checkout(shop.url)).json()) as { id: number; amount: number };
  await events.waitFor(
    isOutput(first.action.id, (e) => e.message === `first ${order.id}`),
    WAIT,
    'first line',
  );
  await events.waitFor(
    isOutput(second.action.id, (e) => e.message === `second ${order.amount}`),
    WAIT,
    'second line',
  );
});

// The worker hears of a new script only once it runs: before each new script runs, while an
// action waits for one, the main thread pauses until the action is placed.
for (const other of [false, true]) {
  test(`an action on a lazily imported module's top-level line fires the one time it runs, as the module loads${other ? ', with another debugger in the process that resumes every pause' : ''}`, async (t) => {
    const cp = await controlPlane(t);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const service = await app(t, {
      script: 'test/fixtures/lazy-import.mjs',
      broker: cp.mqttUrl,
      ...(other ? { extraImports: ['./test/fixtures/resume-every-pause.mjs'] } : {}),
    });
    const file = 'test/fixtures/lazy-imported.mjs';
    const { action } = await addAction(cp, {
      type: 'log',
      file,
      line: lineOf(file, 'module-level'),
      template: 'loading {loaded.name}',
      tags: ['e2e'],
    });
    const waiting = await events.waitFor(isStatus(action.id, 'pending'), WAIT, 'the action waits for its file');
    assert.match((waiting.data as ActionStatusEvent).message ?? '', /it will install if such a script loads/);

    assert.equal(await (await fetch(`${service.url}/load`)).text(), '1');
    await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'installed as the module loads');
    await events.waitFor(
      isOutput(action.id, (e) => e.message === 'loading lazy-imported'),
      WAIT,
      'the line that ran once',
    );
    assert.equal(await (await fetch(`${service.url}/load`)).text(), '1', 'the app keeps serving');
    assert.equal(outputs(events.events(), action.id).length, 1);
    assert.match(service.output(), /lazy-imported loaded/);
  });
}

test("a `debugger;` statement in the app does not stop it while the agent's inspector session is open", async (t) => {
  const cp = await controlPlane(t);
  const file = 'test/fixtures/debugger-statement.mjs';
  const service = await app(t, { script: file, broker: cp.mqttUrl, agentId: 'debugger-app' });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, {
    type: 'log',
    file,
    line: lineOf(file, 'debugger-app'),
    template: 'doubled {doubled}',
    tags: ['e2e'],
  });
  assert.match(await installed(cp, action.id), /^installed/);
  const answer = await fetch(`${service.url}/?n=21`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(await answer.text(), '42');
  await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'doubled 42', WAIT, 'the log line');
});
