// The Python agent started by the app itself (`liveprobe_agent.start()`) in a plain http.server
// app: tic-toc across interleaved asyncio tasks, a module imported after the action was created,
// a waiting action disabled, a top-level line, a statement over several lines hit once per run,
// secret ASGI-style headers hidden in a snapshot, and a Node and a Python service on one tag
// installing one action.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, otlpReceiver, sseEvents, startApp, type SseEvent } from '../helpers/index.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { FIXTURES, plainServer, startPythonApp } from './python-app.js';

const WAIT = 20_000;
const SERVER = `${FIXTURES}/plain_server.py`;
const status = (actionId: string, agentId?: string) => (e: SseEvent) =>
  e.event === 'action_status' &&
  (e.data as { actionId: string }).actionId === actionId &&
  (agentId === undefined || (e.data as { agentId: string }).agentId === agentId);
const message = (e: SseEvent) => e.data as { state: string; message: string; agentId: string };

test("tic-toc pairs each asyncio task's own tic and toc across `await`, with tasks interleaved", async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const { cp, events, app } = await plainServer(t, 'plain-1', 'plain', { ...otlp.env('http/protobuf'), OTEL_METRICS_EXPORTER: 'otlp' });
  const { action } = await addAction(cp, {
    type: 'tictoc',
    file: SERVER,
    line: lineOf(SERVER, 'job-tic'),
    toc: { line: lineOf(SERVER, 'job-toc') },
    name: 'jobs.time',
    attributes: { task: 'began' },
    tags: ['plain'],
  });
  assert.equal(message(await events.waitFor(status(action.id), WAIT, 'installed')).state, 'installed');
  assert.deepEqual(await (await fetch(`${app.url}/async`)).json(), ['slow', 'fast']);
  // The slow task's tic came first and its toc last: a timer shared between tasks would pair
  // them wrongly. Sleeps never end early, so the lower bounds hold on a loaded machine too.
  const slow = await otlp.waitForMetric(
    (p) => p.name === 'jobs.time' && p.attributes.task === 'slow' && p.count === 1,
    WAIT,
    'the slow task',
  );
  const fast = await otlp.waitForMetric(
    (p) => p.name === 'jobs.time' && p.attributes.task === 'fast' && p.count === 1,
    WAIT,
    'the fast task',
  );
  assert.ok(slow.sum! >= 0.145, `slow took ${slow.sum} s`);
  assert.ok(fast.sum! >= 0.045, `fast took ${fast.sum} s`);
  assert.ok(slow.sum! > fast.sum!, `slow ${slow.sum} s, fast ${fast.sum} s`);
});

test('an action waits for a module imported later, and a top-level line that already ran is refused in the Node.js agent’s words', async (t) => {
  const { cp, events, app } = await plainServer(t, 'plain-2', 'plain');
  const lazy = `${FIXTURES}/lazy_module.py`;
  const waiting = await addAction(cp, {
    type: 'log',
    file: 'lazy_module.py',
    line: lineOf(lazy, 'lazy-line'),
    template: 'doubling {n}',
    tags: ['plain'],
  });
  const first = message(await events.waitFor(status(waiting.action.id), WAIT, 'the waiting status'));
  assert.equal(first.state, 'pending');
  assert.equal(first.message, 'no loaded script matches `lazy_module.py` (it will install if such a script loads)');

  // A waiting action taken away (disabled, deleted) is reported removed, as an installed one is.
  const never = await addAction(cp, { type: 'log', file: 'never_imported.py', line: 3, template: 'x', tags: ['plain'] });
  await events.waitFor((e) => status(never.action.id)(e) && message(e).state === 'pending', WAIT, 'the other waiting status');
  const disabled = await fetch(`${cp.url}/api/v1/actions/${never.action.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: false }),
  });
  assert.equal(disabled.status, 200);
  await events.waitFor((e) => status(never.action.id)(e) && message(e).state === 'removed', WAIT, 'the waiting action removed');
  assert.equal(await (await fetch(`${app.url}/lazy`)).json(), 6);
  const installedOnce = await events.waitFor(
    (e) => status(waiting.action.id)(e) && message(e).state === 'installed',
    WAIT,
    'installed once imported',
  );
  assert.equal(await (await fetch(`${app.url}/lazy`)).json(), 6);
  const line = await events.waitFor(
    (e) => e.event === 'output' && (e.data as { actionId: string }).actionId === waiting.action.id,
    WAIT,
    'its output',
  );
  assert.equal((line.data as { message: string }).message, 'doubling 3');
  // An edit keeps the action's id: the agent installs the new definition.
  const patched = await fetch(`${cp.url}/api/v1/actions/${waiting.action.id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ template: 'tripling {n}: {n * 3}' }),
  });
  assert.equal(patched.status, 200, await patched.text());
  await events.waitFor(
    (e) => status(waiting.action.id)(e) && message(e).state === 'installed' && e !== installedOnce,
    WAIT,
    'the edit installed',
  );
  await fetch(`${app.url}/lazy`);
  await events.waitFor(
    (e) => e.event === 'output' && (e.data as { message: string }).message === 'tripling 3: 9',
    WAIT,
    'the edited output',
  );

  const moduleLevel = await addAction(cp, {
    type: 'log',
    file: SERVER,
    line: lineOf(SERVER, 'module-level'),
    template: 'never',
    tags: ['plain'],
  });
  const refused = message(await events.waitFor(status(moduleLevel.action.id), WAIT, 'the module-level status'));
  assert.equal(refused.state, 'error');
  assert.match(
    refused.message,
    /^line \d+ of \S+plain_server\.py is top-level code of its file, which runs once, as the file loads: it ran when the module was imported and will not run again; put the action on a line inside a function$/,
  );
  const greet = await addAction(cp, {
    type: 'log',
    file: SERVER,
    line: lineOf(SERVER, 'greet-text') - 1,
    template: 'greeting {name}',
    tags: ['plain'],
  });
  const moved = message(await events.waitFor(status(greet.action.id), WAIT, 'the def line moves to the body'));
  assert.equal(moved.state, 'installed');
  assert.match(moved.message, /line \d+ has no code; installed at line \d+, the next line with code$/);
});

test('a statement written over several lines hits once per run, a plain call and an awaited one alike', async (t) => {
  const { cp, events, app } = await plainServer(t, 'plain-3', 'plain');
  const actions: [string, string][] = [];
  for (const [marker, verb] of [
    ['multiline-call', 'registering'],
    ['multiline-await', 'signing up'],
  ] as const) {
    // Two hits each: were the line's second report (its call, after the arguments' line) a hit,
    // the first request would use both and the second would never show.
    const { action } = await addAction(cp, {
      type: 'log',
      file: SERVER,
      line: lineOf(SERVER, marker),
      template: `${verb} {name}`,
      maxHits: 2,
      tags: ['plain'],
    });
    assert.equal(message(await events.waitFor(status(action.id), WAIT, `${marker} installed`)).state, 'installed');
    actions.push([action.id, verb]);
  }
  for (const name of ['ann', 'bob']) assert.equal(await (await fetch(`${app.url}/signup?name=${name}`)).json(), `hello ${name}`);
  for (const [id, verb] of actions) {
    await events.waitFor((e) => status(id)(e) && message(e).state === 'hit_limit', WAIT, `${verb}: its limit of 2 hits`);
    const lines = events
      .events()
      .filter((e) => e.event === 'output' && (e.data as { actionId: string }).actionId === id)
      .map((e) => (e.data as { message: string }).message);
    assert.deepEqual(lines, [`${verb} ann`, `${verb} bob`]);
  }
});

test("a snapshot hides secret headers held as ASGI's (name, value) pairs of bytes", async (t) => {
  const { cp, events, app } = await plainServer(t, 'plain-5', 'plain');
  const { action } = await addAction(cp, { type: 'snapshot', file: SERVER, line: lineOf(SERVER, 'asgi-headers'), tags: ['plain'] });
  assert.equal(message(await events.waitFor(status(action.id), WAIT, 'installed')).state, 'installed');
  const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxfQ.abcdefghijklmnopqrstuvwxyz012345';
  const headers = { authorization: `Token ${jwt}`, cookie: 'session=abc123', 'x-request-id': 'r-1' };
  assert.equal((await fetch(`${app.url}/whoami`, { headers })).status, 200);
  await events.waitFor((e) => e.event === 'snapshot' && (e.data as { actionId: string }).actionId === action.id, WAIT, 'the snapshot');
  const { snapshots } = (await (await fetch(`${cp.url}/api/v1/snapshots?action=${action.id}`)).json()) as { snapshots: { id: string }[] };
  type Value = { t: string; items?: Value[] };
  const { snapshot } = (await (await fetch(`${cp.url}/api/v1/snapshots/${snapshots[0]!.id}`)).json()) as {
    snapshot: { arguments: { name: string; value: Value }[] };
  };
  const pairs = snapshot.arguments.find((a) => a.name === 'headers')!.value.items!;
  const text = (v: Value) => String.fromCharCode(...(v.items as unknown as number[]));
  const shown = Object.fromEntries(
    pairs.map((pair) => [text(pair.items![0]!), pair.items![1]!.t === 'redacted' ? '[REDACTED]' : text(pair.items![1]!)]),
  );
  assert.equal(shown.authorization, '[REDACTED]');
  assert.equal(shown.cookie, '[REDACTED]');
  assert.equal(shown['x-request-id'], 'r-1');
});

test('a Node and a Python service on one tag both install one action and both send its output', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const node = await startApp({
    script: `${FIXTURES}/twin/node-app.cjs`,
    module: 'cjs',
    broker: cp.mqttUrl,
    tags: ['twins'],
    agentId: 'twin-node',
  });
  t.after(() => node.stop());
  const python = await startPythonApp(t, { script: 'twin/python_app.py', broker: cp.mqttUrl, tags: ['twins'], agentId: 'twin-python' });
  const { action } = await addAction(cp, { type: 'log', file: 'greet', line: 3, template: 'said {text}', tags: ['twins'] });
  for (const agentId of ['twin-node', 'twin-python']) {
    const installed = message(await events.waitFor(status(action.id, agentId), WAIT, `${agentId} reports`));
    assert.equal(installed.state, 'installed', `${agentId}: ${installed.message}`);
  }
  await fetch(node.url);
  await fetch(python.url);
  for (const [agentId, said] of [
    ['twin-node', 'said hello ada from node'],
    ['twin-python', 'said hello ada from python'],
  ]) {
    const line = await events.waitFor(
      (e) => e.event === 'output' && (e.data as { agentId: string }).agentId === agentId,
      WAIT,
      `${agentId} output`,
    );
    assert.equal((line.data as { message: string }).message, said);
  }
});
