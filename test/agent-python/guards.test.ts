// What keeps a Python agent's actions bounded and its output where the app wants it: over the byte
// quota a log's lines are counted as sampled, actions expire, the agent's blocklist refuses what it
// names whatever the control plane asks, and an app's own OpenTelemetry SDK carries the records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineOf, otlpReceiver, tempDir, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction } from '../agent/fixtures.js';
import { FIXTURES, plainServer } from './python-app.js';

const WAIT = 20_000;
const SERVER = `${FIXTURES}/plain_server.py`;
const GREET = lineOf(SERVER, 'greet-text');
const state = (actionId: string, wanted: string) => (e: SseEvent) =>
  e.event === 'action_status' && (e.data as { actionId: string }).actionId === actionId && (e.data as { state: string }).state === wanted;
const text = (e: SseEvent) => (e.data as { message: string }).message;

test("over the byte quota a log's lines are counted, not sent, and the action stays on; a short-lived action expires", async (t) => {
  const { cp, events, greet } = await plainServer(t, 'guards-1', 'guards', { LIVEPROBE_QUOTA_BYTES_PER_SECOND: '40' });
  const { action } = await addAction(cp, {
    type: 'log',
    file: SERVER,
    line: GREET,
    template: 'greeting {name}',
    tags: ['guards'],
  });
  await events.waitFor(state(action.id, 'installed'), WAIT, 'installed');
  // 40 bytes a second, bursts of 40: the fifth line of ten bytes crosses it.
  for (const name of 'abcdefghijkl') await greet(name);
  const dropped = await events.waitFor(
    (e) => e.event === 'dropped' && (e.data as { actionId: string }).actionId === action.id,
    WAIT,
    'the lines over the quota, counted',
  );
  assert.equal(
    (dropped.data as { reason: string }).reason,
    "sampled: over the action's output quota (LIVEPROBE_QUOTA_BYTES_PER_SECOND); these hits were counted, not captured",
  );
  const totals = await events.waitFor(
    (e) => state(action.id, 'installed')(e) && text(e).includes('not exported so far'),
    WAIT,
    'the totals in the status',
  );
  assert.match(text(totals), /; not exported so far: \d+ sampled \(over the output quota\)$/);
  assert.equal(events.events().filter(state(action.id, 'paused')).length, 0, 'a log is never paused over the byte quota');
  await greet('z');
  await events.waitFor((e) => e.event === 'output' && text(e) === 'greeting z', WAIT, 'a line once the quota refilled');

  const brief = await addAction(cp, { type: 'counter', file: SERVER, line: GREET, name: 'greetings', expiresIn: '2s', tags: ['guards'] });
  await events.waitFor(state(brief.action.id, 'installed'), WAIT, 'the brief action installed');
  assert.equal(text(await events.waitFor(state(brief.action.id, 'expired'), WAIT, 'expired')), 'expired');
});

test("the agent's blocklist refuses files, functions and variables, and redaction hides secrets in values", async (t) => {
  const { cp, events, app, greet } = await plainServer(t, 'guards-2', 'guards', {
    LIVEPROBE_BLOCK_FILES: 'fixtures/lazy_*.py',
    LIVEPROBE_BLOCK_FUNCTIONS: 'job',
    LIVEPROBE_BLOCK_VARIABLES: 'text',
  });
  const variable = await addAction(cp, { type: 'log', file: SERVER, line: GREET, template: '{text}', tags: ['guards'] });
  assert.match(
    text(await events.waitFor(state(variable.action.id, 'error'), WAIT, 'variable refused')),
    /^variable `text` is blocked by this agent's configuration \(blocklist rule variables: `text`\); the agent never reads it, whatever the control plane asks/,
  );
  const fn = await addAction(cp, { type: 'log', file: SERVER, line: lineOf(SERVER, 'job-tic'), template: 'x', tags: ['guards'] });
  assert.match(
    text(await events.waitFor(state(fn.action.id, 'error'), WAIT, 'function refused')),
    /^function `job` is blocked .*rule functions: `job`/,
  );
  const snap = await addAction(cp, {
    type: 'snapshot',
    file: SERVER,
    line: GREET + 1,
    watches: ['"Bearer abcdefgh12345678 card 4111 1111 1111 1111"'],
    tags: ['guards'],
  });
  await events.waitFor(state(snap.action.id, 'installed'), WAIT, 'the snapshot installed');
  await greet('4111111111111111');
  await events.waitFor((e) => e.event === 'snapshot' && (e.data as { actionId: string }).actionId === snap.action.id, WAIT, 'the snapshot');
  const { snapshots } = (await (await fetch(`${cp.url}/api/v1/snapshots?action=${snap.action.id}`)).json()) as {
    snapshots: { id: string }[];
  };
  const captured = JSON.stringify(await (await fetch(`${cp.url}/api/v1/snapshots/${snapshots[0]!.id}`)).json());
  assert.ok(!captured.includes('4111111111111111'), `a card number leaked: ${captured}`);
  assert.ok(captured.includes('Bearer [REDACTED] card [REDACTED]'), captured);
  assert.ok(captured.includes('"name":"text","value":{"t":"redacted"}'), `the blocked variable is hidden: ${captured}`);

  // A blocked file is refused when it is imported, not merely while it waits.
  const lazy = `${FIXTURES}/lazy_module.py`;
  const file = await addAction(cp, { type: 'log', file: lazy, line: lineOf(lazy, 'lazy-line'), template: 'x', tags: ['guards'] });
  await events.waitFor(state(file.action.id, 'pending'), WAIT, 'the file action waits');
  assert.equal(await (await fetch(`${app.url}/lazy`)).json(), 6);
  const blocked = await events.waitFor((e) => state(file.action.id, 'error')(e) && /is blocked/.test(text(e)), WAIT, 'the file refused');
  assert.match(
    text(blocked),
    /^file `\S+lazy_module\.py` is blocked by this agent's configuration \(blocklist rule files: `fixtures\/lazy_\*\.py`\)/,
  );
});

test("an app that registered its own OpenTelemetry SDK gets the agent's records through it, in the request's trace", async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const { cp, events, app, greet } = await plainServer(t, 'guards-3', 'guards', {
    ...otlp.env('http/protobuf'),
    APP_OWN_OTEL: '1',
    OTEL_LOGS_EXPORTER: 'otlp',
  });
  const { action } = await addAction(cp, { type: 'log', file: SERVER, line: GREET, template: 'greeting {name}', tags: ['guards'] });
  await events.waitFor(state(action.id, 'installed'), WAIT, 'installed');
  await greet('ada');
  const record = await otlp.waitForLog((r) => r.body === 'greeting ada', WAIT, 'the record');
  assert.equal(record.resource['service.name'], 'app-with-own-sdk');
  assert.equal(record.resource['deployment.environment'], 'test');
  assert.equal(record.attributes['liveprobe.action.id'], action.id);
  assert.equal(record.attributes['liveprobe.agent.id'], 'guards-3');

  const snap = await addAction(cp, { type: 'snapshot', file: SERVER, line: GREET, tags: ['guards'] });
  await events.waitFor(state(snap.action.id, 'installed'), WAIT, 'the snapshot installed');
  await fetch(`${app.url}/traced-greet?name=grace`);
  const request = await otlp.waitForSpan((s) => s.name === 'traced-greet', WAIT, "the app's span");
  const traced = await otlp.waitForLog((r) => r.body === 'greeting grace', WAIT, 'the traced record');
  assert.equal(traced.traceId, request.traceId);
  assert.equal(traced.spanId, request.spanId);
  const snapshotSpan = await otlp.waitForSpan((s) => s.attributes['liveprobe.action.id'] === snap.action.id, WAIT, 'the snapshot span');
  assert.equal(snapshotSpan.traceId, request.traceId);
  assert.equal(snapshotSpan.parentSpanId, request.spanId);
  assert.equal(snapshotSpan.resource['service.name'], 'app-with-own-sdk');
});

test('an edit of LIVEPROBE_CONFIG applies while the app runs: a new blocklist removes an action, new redaction hides a name, a broken edit changes nothing', async (t) => {
  const dir = await tempDir('liveprobe-py-config-');
  t.after(() => dir.remove());
  const file = join(dir.path, 'liveprobe.json');
  const write = (settings: unknown) => writeFile(file, typeof settings === 'string' ? settings : JSON.stringify(settings));
  await write({ block: { variables: [] } });
  const { cp, events, app, greet } = await plainServer(t, 'guards-4', 'guards', { LIVEPROBE_CONFIG: file });
  const { action } = await addAction(cp, { type: 'log', file: SERVER, line: GREET, template: 'greeting {name}', tags: ['guards'] });
  await events.waitFor(state(action.id, 'installed'), WAIT, 'installed');

  await write({ block: { variables: ['name'] } });
  const removed = await events.waitFor(state(action.id, 'error'), WAIT, 'removed by the new blocklist');
  assert.match(text(removed), /^removed after the agent's configuration changed: variable `name` is blocked by this agent's configuration/);

  await write({ redact: { keys: ['name'] } });
  await events.waitFor(
    (e) => state(action.id, 'installed')(e) && e !== removed && events.events().indexOf(e) > events.events().indexOf(removed),
    WAIT,
    'installed again',
  );
  await greet('ada');
  await events.waitFor((e) => e.event === 'output' && text(e) === 'greeting [REDACTED]', WAIT, 'the name redacted');

  await write('{ "redact": ');
  await waitFor(() => app.output().includes('kept the settings in use: LIVEPROBE_CONFIG:'), WAIT, 'the broken edit reported');
  await greet('bob');
  await events.waitFor(
    (e) => e.event === 'output' && text(e) === 'greeting [REDACTED]' && events.events().filter((x) => x.event === 'output').length === 2,
    WAIT,
    'redaction still on',
  );
});
