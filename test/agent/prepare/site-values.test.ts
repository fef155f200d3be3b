/**
 * A log line on a prepared site, end to end (app → main thread → shared memory → worker →
 * OTLP): values of every kind read as they always did, a getter never runs and a Proxy is
 * never trapped, and a secret inside a string is redacted before the record leaves the
 * process. Then many batches in a row, so the worker hands the shared memory back and the app
 * writes over it again: every line still arrives whole, and in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, otlpReceiver, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, installed } from '../fixtures.js';

const WAIT = 20_000;
const FILE = 'test/fixtures/prepared-values/values.mjs';

const TEMPLATE =
  'n={num} text={text} yes={yes} nothing={nothing} missing={missing} big={big} sym={sym} obj={obj} note={note} ' +
  'pw={user.password} user={user} total={getterOwner.total} id={getterOwner.id} proxy={proxy.id} whole={proxy}';

/** The line for the call with argument `n`, as the agent has always formatted it. */
const expected = (n: number): string =>
  `n=${n + 0.5} text=plain text yes=true nothing=null missing=undefined big=1180591620717411303424n sym=Symbol(tag) ` +
  'obj={ a: 1, list: [1, "two"], nested: { deep: true } } ' +
  `note=call ${n} sent Authorization: Bearer [REDACTED] to the api pw=[REDACTED] user={ name: "ann", password: [REDACTED] } ` +
  'total=<`getterOwner.total` is a getter; liveprobe never runs getters> id=7 ' +
  'proxy=<`proxy.id`: the value is a Proxy; liveprobe never reads through proxies> whole=[Proxy]';

async function valuesApp(t: test.TestContext, agentId: string, template = TEMPLATE) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const service = await app(t, {
    script: 'test/fixtures/prepared-values/server.mjs',
    broker: cp.mqttUrl,
    agentId,
    env: {
      ...otlp.env('http/protobuf'),
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      // Every line of the longer run fits the exporter's queue: none is dropped there.
      OTEL_BLRP_MAX_QUEUE_SIZE: '100000',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '2000',
      LIVEPROBE_PREPARE: fromRoot(FILE),
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_QUOTA_HITS_PER_SECOND: '0',
      LIVEPROBE_QUOTA_BYTES_PER_SECOND: '0',
      LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0',
    },
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: FILE,
    line: lineOf(FILE, 'values-line'),
    template,
    maxHits: 100_000,
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  const lines = () => otlp.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === action.id);
  return { service, lines };
}

test('a prepared log line reads every kind of value as before, runs no getter, trips no Proxy trap, and exports secrets redacted', async (t) => {
  const { service, lines } = await valuesApp(t, 'site-values-1');
  assert.equal((await fetch(`${service.url}/show?n=3`)).status, 200);
  await waitFor(() => lines().length === 3, WAIT, 'the three lines exported');
  assert.deepEqual(
    lines().map((r) => r.body),
    [0, 1, 2].map(expected),
  );
  for (const secret of ['abcdefgh12345678', 'hunter2']) assert.ok(!JSON.stringify(lines()).includes(secret), `${secret} left the process`);
  // Asked after the lines arrived: the reads they carry are done.
  assert.deepEqual(await (await fetch(`${service.url}/ran`)).json(), { getter: 0, traps: 0 });
});

// Placeholders other than names and fields: each evaluated on the values the site passed, through
// the same getter, Proxy and redaction checks.
const EXPRESSIONS =
  'sum={num + 1} owner={getterOwner.id * 2} total={getterOwner.total + 1} proxy={proxy.id + 1} ' +
  'pw={user.password + "!"} items={len(obj.list)} text={text} n={num}';

const expectedExpressions = (n: number): string =>
  `sum=${n + 1.5} owner=14 total=<\`getterOwner.total\` is a getter; liveprobe never runs getters> ` +
  'proxy=<`proxy.id`: the value is a Proxy; liveprobe never reads through proxies> ' +
  "pw=<`+`: the value is redacted by the agent's configuration> items=2 text=plain text " +
  `n=${n + 0.5}`;

test('a prepared log line with expressions reads them from the values its site passed, runs no getter, trips no Proxy trap and keeps secrets', async (t) => {
  const { service, lines } = await valuesApp(t, 'site-values-3', EXPRESSIONS);
  assert.equal((await fetch(`${service.url}/show?n=3`)).status, 200);
  await waitFor(() => lines().length === 3, WAIT, 'the three lines exported');
  assert.deepEqual(
    lines().map((r) => r.body),
    [0, 1, 2].map(expectedExpressions),
  );
  assert.ok(!JSON.stringify(lines()).includes('hunter2'), 'the password left the process');
  assert.deepEqual(await (await fetch(`${service.url}/ran`)).json(), { getter: 0, traps: 0 });
});

test('thousands of prepared log lines in one synchronous run arrive whole and in order, through memory the worker hands back', async (t) => {
  const { service, lines } = await valuesApp(t, 'site-values-2');
  // ~22 numbers a line: a batch fills at ~370 lines, so 20,000 lines take the shared memory many times over.
  const calls = 20_000;
  assert.equal((await fetch(`${service.url}/show?n=${calls}`)).status, 200);
  await waitFor(
    () => {
      if (lines().length < calls) throw new Error(`${lines().length} lines so far`);
      return true;
    },
    WAIT,
    `the ${calls} lines exported`,
  );
  const bodies = lines().map((r) => r.body);
  assert.equal(bodies.length, calls);
  const wrong = bodies.findIndex((body, n) => body !== expected(n));
  assert.equal(wrong, -1, `line ${wrong} reads ${String(bodies[wrong])}`);
  assert.deepEqual(await (await fetch(`${service.url}/ran`)).json(), { getter: 0, traps: 0 });
});
