// The Python agent in a real Flask app, through a real control plane and its MQTT broker, with
// OpenTelemetry output received over OTLP: every action type, signed desired state, snapshots
// of a closure inside a method, and hostile objects whose hooks must never run.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ActionInput, CapturedValue, NamedValue, OutputEvent, SnapshotData } from '@liveprobe/protocol';
import { cli, lineOf, otlpReceiver, sseEvents, waitFor, type ControlPlane, type SseEvent } from '../helpers/index.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { FIXTURES, startPythonApp } from './python-app.js';

const WAIT = 20_000;
const SHOP = `${FIXTURES}/flask_shop.py`;
const isStatus = (actionId: string, state: string) => (e: SseEvent) =>
  e.event === 'action_status' && (e.data as { actionId: string }).actionId === actionId && (e.data as { state: string }).state === state;
const isOutput = (actionId: string) => (e: SseEvent) => e.event === 'output' && (e.data as { actionId: string }).actionId === actionId;
const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());

async function add(
  cp: ControlPlane,
  events: Awaited<ReturnType<typeof sseEvents>>,
  body: ActionInput,
): Promise<{ id: string; message: string }> {
  const { action } = await addAction(cp, body);
  const installed = await events.waitFor(
    (e) => (e.data as { actionId?: string }).actionId === action.id && e.event === 'action_status',
    WAIT,
    `${action.id} reports`,
  );
  const data = installed.data as { state: string; message: string };
  assert.equal(data.state, 'installed', `${body.type} action: ${data.message}`);
  return { id: action.id, message: data.message };
}

async function stack(t: TestContext, signed: boolean) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const publicKey = /LIVEPROBE_PUBLIC_KEY=(\S+)/.exec(cp.output())?.[1];
  assert.ok(publicKey, 'the control plane prints its public key');
  const env = {
    ...otlp.env('http/protobuf'),
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_SERVICE_NAME: 'flask-shop',
    ...(signed ? { LIVEPROBE_PUBLIC_KEY: publicKey } : {}),
  };
  const shop = await startPythonApp(t, { script: 'flask_shop.py', broker: cp.mqttUrl, tags: ['py'], agentId: 'flask-1', env });
  return { cp, otlp, events, shop };
}

test('a Flask app run with liveprobe-run joins the fleet as a python agent and applies signed log actions, out over OTLP and live', async (t) => {
  const { cp, otlp, events, shop } = await stack(t, true);
  await waitFor(
    async () => {
      const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as {
        agents: { agentId: string; runtime: string; online: boolean }[];
      };
      return agents.some((a) => a.agentId === 'flask-1' && a.runtime === 'python' && a.online);
    },
    WAIT,
    'the agent listed as python and online',
  );

  const line = lineOf(SHOP, 'checkout-return');
  const log = await add(cp, events, {
    type: 'log',
    file: 'flask_shop.py',
    line,
    template: 'order {order.id} for {user_id}: {amount} {order}',
    level: 'warn',
    condition: 'amount > 5',
    tags: ['py'],
  });
  assert.match(log.message, /patched code object|sys\.monitoring/);
  await post(shop.url, '/checkout', { user: 'u0', items: [{ sku: 'tea', quantity: 1 }] }); // 4.5: the condition is false
  const order = (await post(shop.url, '/checkout', { user: 'u1', items: [{ sku: 'tea', quantity: 2 }] })) as { id: number };
  const expected = `order ${order.id} for u1: 9.0 Order { id: ${order.id}, user: "u1", lines: [{ sku: "tea", quantity: 2 }], api_key: [REDACTED] }`;
  const live = await events.waitFor(isOutput(log.id), WAIT, 'the live line');
  assert.equal((live.data as { message: string }).message, expected);
  assert.equal(events.events().filter(isOutput(log.id)).length, 1, 'the order of 4.5 did not pass the condition');

  const record = await otlp.waitForLog((r) => r.attributes['liveprobe.action.id'] === log.id, WAIT, 'the OTLP log record');
  assert.equal(record.body, expected);
  assert.equal(record.severityText, 'WARN');
  assert.equal(record.attributes['code.line.number'], line);
  assert.equal(record.attributes['code.function.name'], 'checkout');
  assert.match(String(record.attributes['code.file.path']), /test\/agent-python\/fixtures\/flask_shop\.py$/);
  assert.equal(record.resource['service.name'], 'flask-shop');
  assert.equal(record.resource['service.instance.id'], 'flask-1');

  // Expressions outside what Python can read safely fail per placeholder, with a status.
  const moved = await add(cp, events, {
    type: 'log',
    file: SHOP,
    line: line - 1,
    template: 'kept {order.nothing.here}',
    tags: ['py'],
    lineText: 'orders.append(order)',
  });
  await post(shop.url, '/checkout', { user: 'u2', items: [{ sku: 'pot', quantity: 1 }] });
  const error = await events.waitFor(isStatus(moved.id, 'error'), WAIT, 'the evaluation error');
  assert.match(
    (error.data as { message: string }).message,
    /template `\{order\.nothing\.here\}`: `order\.nothing\.here`: `order\.nothing` is None/,
  );
  // The CLI, unchanged, names a Python file and the line the editor shows.
  const added = await cli(['log', 'add', `${SHOP}:${line}`, 'x', '--tag', 'py', '--line-text', 'return something_else()'], {
    server: cp.url,
  });
  // Every agent that answered refused it: the CLI says so and exits 1, and the status says why.
  assert.equal(added.code, 1, added.stderr);
  assert.match(added.stderr, /every agent that answered refused/);
  const differs = /created (act_\w+)/.exec(added.stdout)?.[1];
  assert.ok(differs, added.stdout);
  const refused = await events.waitFor(isStatus(differs, 'error'), WAIT, 'the lineText refusal');
  assert.match(
    (refused.data as { message: string }).message,
    /^deployed source differs at \S+flask_shop\.py:\d+: the running code has `return jsonify/,
  );
});

test('counter, metric, duration and tic-toc actions in a Flask app record OpenTelemetry instruments', async (t) => {
  const { cp, otlp, events, shop } = await stack(t, false);
  const ret = lineOf(SHOP, 'checkout-return');
  const counter = await add(cp, events, { type: 'counter', file: SHOP, line: ret, name: 'shop.checkouts', tags: ['py'] });
  const metric = await add(cp, events, {
    type: 'metric',
    file: SHOP,
    line: ret,
    name: 'shop.amount',
    expression: 'amount',
    attributes: { user: 'user_id' },
    tags: ['py'],
  });
  const duration = await add(cp, events, { type: 'duration', file: SHOP, function: 'price_of', name: 'shop.pricing', tags: ['py'] });
  assert.match(duration.message, /measuring price_of from line \d+ to its returns/);
  const tictoc = await add(cp, events, {
    type: 'tictoc',
    file: SHOP,
    line: lineOf(SHOP, 'checkout-order'),
    toc: { line: ret },
    name: 'shop.checkout_time',
    tags: ['py'],
  });
  assert.match(tictoc.message, /tic at line \d+, toc at line \d+/);

  for (const quantity of [1, 2, 3]) await post(shop.url, '/checkout', { user: 'u7', items: [{ sku: 'tea', quantity }] });
  await otlp.waitForMetric((p) => p.name === 'shop.checkouts' && p.value === 3, WAIT, 'the counter at 3');
  const amount = await otlp.waitForMetric((p) => p.name === 'shop.amount' && p.count === 3, WAIT, 'three amounts');
  assert.equal(amount.sum, 4.5 + 9 + 13.5);
  assert.equal(amount.attributes.user, 'u7');
  assert.equal(amount.attributes['liveprobe.action.id'], metric.id);
  const pricing = await otlp.waitForMetric((p) => p.name === 'shop.pricing' && p.count === 3, WAIT, 'three durations');
  assert.equal(pricing.unit, 's');
  assert.ok(pricing.sum! > 0 && pricing.sum! < 1, `price_of took ${pricing.sum} s in total`);
  const timed = await otlp.waitForMetric((p) => p.name === 'shop.checkout_time' && p.count === 3, WAIT, 'three tic-toc times');
  assert.ok(timed.sum! > 0 && timed.sum! < 1);
  const line = await events.waitFor(
    (e) => isOutput(counter.id)(e) && /^shop\.checkouts \+\d+$/.test((e.data as { message: string }).message),
    WAIT,
    'the counter line',
  );
  const { hits, metric: counted } = line.data as OutputEvent;
  assert.ok(hits !== undefined && hits >= 1);
  // Marked as what it is, as the Node.js agent marks it: `liveprobe tail` prints it as a metric.
  assert.deepEqual(counted, { type: 'counter', name: 'shop.checkouts', value: hits, instrument: 'counter', unit: '{hit}' });
  const recorded = await events.waitFor(isOutput(metric.id), WAIT, 'the metric line');
  assert.deepEqual((recorded.data as OutputEvent).metric, {
    type: 'metric',
    name: 'shop.amount',
    value: 4.5,
    instrument: 'histogram',
    attributes: { user: 'u7' },
  });
});

const named = (values: NamedValue[], name: string): CapturedValue => {
  const found = values.find((v) => v.name === name);
  assert.ok(found, `no ${name} among ${values.map((v) => v.name).join(', ')}`);
  return found.value;
};

test('a snapshot inside a closure created per call captures its argument, local, closure cells, `self` and watches, as a span too', async (t) => {
  const { cp, otlp, events, shop } = await stack(t, false);
  const line = lineOf(SHOP, 'inventory-take');
  const snap = await add(cp, events, {
    type: 'snapshot',
    file: SHOP,
    line,
    watches: ['self.stock[sku] * 2', 'len(reserved)', 'self.session_token'],
    tags: ['py'],
  });
  // The closure `take` is created after the action was installed: its parent's code carries the probe.
  await post(shop.url, '/reserve', { sku: 'tea', quantity: 3 });
  await events.waitFor((e) => e.event === 'snapshot' && (e.data as { actionId: string }).actionId === snap.id, WAIT, 'the snapshot notice');
  const { snapshots } = (await (await fetch(`${cp.url}/api/v1/snapshots?action=${snap.id}`)).json()) as { snapshots: { id: string }[] };
  const s = ((await (await fetch(`${cp.url}/api/v1/snapshots/${snapshots[0]!.id}`)).json()) as { snapshot: SnapshotData }).snapshot;

  assert.equal(s.location.function, 'Inventory.reserve.take');
  assert.deepEqual(
    s.stack.slice(0, 2).map((f) => f.function),
    ['Inventory.reserve.take', 'Inventory.reserve'],
  );
  assert.deepEqual(named(s.arguments, 'n'), { t: 'number', v: 3 });
  const closure = s.scopes.find((scope) => scope.kind === 'closure');
  assert.ok(closure, 'a closure scope');
  assert.deepEqual(named(closure.variables, 'sku'), { t: 'string', v: 'tea' });
  assert.deepEqual(named(closure.variables, 'reserved'), { t: 'array', len: 0, items: [] });
  assert.equal(s.this?.t, 'object');
  const self = s.this as Extract<CapturedValue, { t: 'object' }>;
  assert.equal(self.cls, 'Inventory');
  assert.deepEqual(Object.fromEntries(self.props).session_token, { t: 'redacted' });
  assert.deepEqual(s.watches, [
    { expression: 'self.stock[sku] * 2', value: { t: 'number', v: 20 } },
    { expression: 'len(reserved)', value: { t: 'number', v: 0 } },
    { expression: 'self.session_token', value: { t: 'redacted' } },
  ]);
  const span = await otlp.waitForSpan((sp) => sp.attributes['liveprobe.action.id'] === snap.id, WAIT, 'the snapshot span');
  assert.equal(span.name, `snapshot ${s.location.file}:${line}`);
  assert.match(String(span.attributes['liveprobe.snapshot.summary']), /n=3/);
  await events.waitFor(isStatus(snap.id, 'hit_limit'), WAIT, 'a snapshot takes one hit by default');
});

test('hostile objects: no property, __getattr__, __getattribute__, __eq__, __repr__, __str__, __len__, __bool__ or __class__ of the app runs', async (t) => {
  const { cp, events, shop } = await stack(t, false);
  const line = lineOf(SHOP, 'hostile-line');
  const log = await add(cp, events, {
    type: 'log',
    file: SHOP,
    line,
    template: '{h} | {h.visible} | {h.prop} | {h.missing} | {h == 1} | {len(h)} | {str(items)} | {h ? 1 : 0} | {h === h}',
    condition: 'h && len(items) == 2',
    tags: ['py'],
  });
  const snap = await add(cp, events, {
    type: 'snapshot',
    file: SHOP,
    line,
    watches: ['h.prop', 'has(h, "prop")', 'keys(h)', 'items[1].inner'],
    tags: ['py'],
  });
  await fetch(`${shop.url}/hostile`);
  const output = await events.waitFor(isOutput(log.id), WAIT, 'the hostile log line');
  assert.equal(
    (output.data as { message: string }).message,
    [
      'Hostile { visible: "plain field", prop: [Getter] }',
      'plain field',
      '<`h.prop` is a property; liveprobe never runs properties>',
      "<`h.missing`: not an attribute of the object, and liveprobe never runs its class's __getattr__>",
      '<`==` between an object and a primitive would convert the object; compare one of its fields>',
      '1',
      '[Hostile { visible: "plain field", prop: [Getter] }, { inner: Hostile { visible: "plain field", prop: [Getter] } }]',
      '1',
      'True',
    ].join(' | '),
  );
  await events.waitFor(
    (e) => e.event === 'snapshot' && (e.data as { actionId: string }).actionId === snap.id,
    WAIT,
    'the hostile snapshot',
  );
  const ran = (await (await fetch(`${shop.url}/ran`)).json()) as string[];
  assert.deepEqual(ran, [], 'the probes ran none of the hostile hooks');
});
