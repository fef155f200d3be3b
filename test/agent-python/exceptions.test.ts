// Exception actions on the Python agent, through a real control plane, broker and CLI: an error
// that ends a program's main thread gives a snapshot of its throw site and caller before the
// program ends exactly as it would without the agent, and an error a Flask view raises that no
// error handler answers gives one exported as the Node agent exports it (a span `exception <type>`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapturedValue, NamedValue, SnapshotData } from '@liveprobe/protocol';
import { cli, lineOf, otlpReceiver, sseEvents, type SseEvent } from '../helpers/index.js';
import { controlPlane } from '../agent/fixtures.js';
import { FIXTURES, startPythonApp } from './python-app.js';

const WAIT = 20_000;
const CRASH = `${FIXTURES}/crash_app.py`;
const SHOP = `${FIXTURES}/flask_shop.py`;
const snapshotOf = (actionId: string) => (e: SseEvent) => e.event === 'snapshot' && (e.data as { actionId: string }).actionId === actionId;
const find = (values: NamedValue[], name: string): CapturedValue => values.find((v) => v.name === name)!.value;

async function stored(url: string, actionId: string): Promise<{ id: string; snapshot: SnapshotData }> {
  const { snapshots } = (await (await fetch(`${url}/api/v1/snapshots?action=${actionId}`)).json()) as { snapshots: { id: string }[] };
  const { snapshot } = (await (await fetch(`${url}/api/v1/snapshots/${snapshots[0]!.id}`)).json()) as { snapshot: SnapshotData };
  return { id: snapshots[0]!.id, snapshot };
}

test('an error that ends the main thread is captured at its throw site and caller; the program still prints its traceback and exits 1', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const app = await startPythonApp(t, { script: 'crash_app.py', broker: cp.mqttUrl, tags: ['crash'], agentId: 'crash-1' });
  const added = await cli(['exception', 'add', '--tag', 'crash', '--type', 'LookupError', '--frames', '2'], { server: cp.url });
  assert.equal(added.code, 0, added.stdout + added.stderr);
  assert.match(added.stdout, /\n {2}crash-1: installed/);
  const actionId = /created (act_\w+)/.exec(added.stdout)![1]!;

  await fetch(`${app.url}/crash`);
  await events.waitFor(snapshotOf(actionId), WAIT, 'the exception snapshot');
  assert.deepEqual(await app.exited, { code: 1, signal: null }, 'the exit code the program has without the agent');
  assert.match(app.output(), /Traceback \(most recent call last\):[\s\S]*LookupError: invoice 7 is overdue by 100/);

  const { id, snapshot: s } = await stored(cp.url, actionId);
  assert.deepEqual(s.exception, { type: 'LookupError', message: 'invoice 7 is overdue by 100', causes: [] });
  assert.equal(s.location.line, lineOf(CRASH, 'settle-raise'));
  assert.equal(s.location.function, 'settle');
  assert.deepEqual(find(s.locals, 'balance'), { t: 'number', v: 100 });
  const [caller] = s.frames!;
  assert.equal(caller!.location.function, 'run_billing');
  assert.equal(caller!.location.line, lineOf(CRASH, 'billing-call'));
  assert.ok(JSON.stringify(find(caller!.locals, 'invoice')).includes('"api_key"'));
  assert.ok(!JSON.stringify(s).includes('k-123456'), 'the secret key is redacted as in any snapshot');
  const shown = await cli(['snapshots', 'show', id], { server: cp.url });
  assert.match(shown.stdout, /error +LookupError: invoice 7 is overdue by 100/);
});

test("an error a Flask view raises, which no handler answers, is captured and exported as a span 'exception <type>'; the app still answers 500", async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const env = { ...otlp.env('http/protobuf'), OTEL_TRACES_EXPORTER: 'otlp' };
  const shop = await startPythonApp(t, { script: 'flask_shop.py', broker: cp.mqttUrl, tags: ['py'], agentId: 'flask-exc', env });
  const added = await cli(['exception', 'add', '--tag', 'py', '--message', 'over the limit', '--file', 'fixtures/*.py'], {
    server: cp.url,
  });
  assert.equal(added.code, 0, added.stdout + added.stderr);
  const actionId = /created (act_\w+)/.exec(added.stdout)![1]!;

  const pay = (amount: number) =>
    fetch(`${shop.url}/pay`, { method: 'POST', body: JSON.stringify({ amount, card: '4111111111111111' }) }).then((r) => r.status);
  assert.equal(await pay(20), 200);
  assert.equal(await pay(500), 500, 'Flask answers as it does without the agent');
  await events.waitFor(snapshotOf(actionId), WAIT, 'the exception snapshot');
  const { id, snapshot: s } = await stored(cp.url, actionId);
  assert.deepEqual(s.exception, { type: 'PaymentDeclined', message: 'amount 500 is over the limit', causes: [] });
  assert.equal(s.location.line, lineOf(SHOP, 'pay-raise'));
  assert.ok(!JSON.stringify(s).includes('4111111111111111'), 'the card number is redacted');
  const span = await otlp.waitForSpan((sp) => sp.attributes['liveprobe.snapshot.id'] === id, WAIT, 'the exception span');
  assert.equal(span.name, 'exception PaymentDeclined');
  assert.equal(span.attributes['exception.message'], 'amount 500 is over the limit');
  assert.match(String(span.attributes['exception.stacktrace']), /in pay\n[\s\S]*PaymentDeclined: amount 500 is over the limit$/);
  assert.equal(span.attributes['liveprobe.action.id'], actionId);
});
