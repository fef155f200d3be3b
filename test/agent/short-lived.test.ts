/**
 * Short-lived processes (docs/architecture.md §8): one that exits right after a hit still delivers it
 * (the agent hands over the batched hits and flushes its exports before the process ends), and
 * one started with LIVEPROBE_STARTUP_WAIT_MS has its first lines probed; LIVEPROBE_EXIT_FLUSH_MS
 * bounds how long the exit waits.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { Child, fromRoot } from '@liveprobe/harness';
import type { App } from '../helpers/app.js';
import { lineOf, otlpReceiver } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';

const WAIT = 15_000;
const JOB = 'test/fixtures/short-job.mjs';
const SETTLE = lineOf(JOB, 'settle');

/** The job with a log action installed on its last line. */
async function jobWithLog(t: TestContext, agentId: string, env: Record<string, string>, template: string) {
  const cp = await controlPlane(t);
  const job = await app(t, { script: JOB, broker: cp.mqttUrl, agentId, env });
  const log = await addAction(cp, { type: 'log', file: JOB, line: SETTLE, template, tags: ['e2e'] });
  assert.match(await installed(cp, log.action.id), /^installed/);
  return { cp, job, log };
}

/** Asks the job to finish: it answers, hits the probed line (`times` times) and exits at once. */
async function finish(job: App, times = 1): Promise<void> {
  assert.equal(await (await fetch(`${job.url}/finish?n=${times}`)).text(), 'bye');
  assert.equal((await job.exited).code, 0, job.output());
  assert.doesNotMatch(job.output(), /Waiting for the debugger/);
}

test('a log and a counter hit just before the process exits reach the OTLP receiver', async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  // Export timers far beyond the process's life: only the flush at exit can deliver.
  const { cp, job, log } = await jobWithLog(
    t,
    'short-job',
    { ...otlp.env('http/protobuf'), OTEL_BLRP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000' },
    'settled {order.id}: {total}',
  );
  const counter = await addAction(cp, { type: 'counter', file: JOB, line: SETTLE, name: 'job.settled', tags: ['e2e'] });
  assert.match(await installed(cp, counter.action.id), /^installed/);

  await finish(job);
  const record = await otlp.waitForLog((r) => r.body === 'settled 7: 42', WAIT, 'the last log line');
  assert.equal(record.attributes['liveprobe.action.id'], log.action.id);
  await otlp.waitForMetric((p) => p.name === 'job.settled' && p.value === 1, WAIT, 'the last count');
});

test('a counter on a prepared line hit just before the process exits: every hit, those its site counted in place too, reaches the OTLP receiver', async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const cp = await controlPlane(t);
  const job = await app(t, {
    script: JOB,
    broker: cp.mqttUrl,
    agentId: 'short-job-prepared',
    env: {
      ...otlp.env('http/protobuf'),
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
      LIVEPROBE_PREPARE: fromRoot(JOB),
      LIVEPROBE_PREPARE_CACHE: 'off',
    },
  });
  const counter = await addAction(cp, { type: 'counter', file: JOB, line: SETTLE, name: 'job.settled.prepared', tags: ['e2e'] });
  assert.equal(await installed(cp, counter.action.id), 'installed: prepared site (no breakpoint)');
  // The first hit finds the site on and tells the main thread the counter is alone there; the
  // next 999 count in place, which the worker reads as the process exits.
  await finish(job, 1000);
  await otlp.waitForMetric((p) => p.name === 'job.settled.prepared' && p.value === 1000, WAIT, 'every count');
});

test("with LIVEPROBE_STARTUP_WAIT_MS a job's first line is probed: the app waits until the agent applied its actions", async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const file = 'test/fixtures/startup-job.mjs';
  const log = await addAction(cp, {
    type: 'log',
    file,
    line: lineOf(file, 'job-settle'),
    template: 'job settled {order.id}: {total}',
    tags: ['jobs'],
  });
  const run = async (env: Record<string, string>) => {
    const job = new Child(process.execPath, ['--import', '@liveprobe/agent/register', fromRoot(file)], {
      name: 'startup job',
      env: { LIVEPROBE_BROKER_URL: cp.mqttUrl, LIVEPROBE_TAGS: 'jobs', ...otlp.env('http/protobuf'), ...env },
    });
    t.after(() => job.stop('SIGKILL'));
    assert.equal((await job.exited).code, 0, job.output());
    return job.output();
  };

  // Without the wait, the job's line runs before the agent even connected: nothing to see.
  assert.match(await run({ LIVEPROBE_AGENT_ID: 'job-1' }), /settled 10/);
  const waited = await run({ LIVEPROBE_AGENT_ID: 'job-2', LIVEPROBE_STARTUP_WAIT_MS: '15000' });
  assert.match(waited, /settled 10/);
  assert.doesNotMatch(waited, /ran out/);
  const record = await otlp.waitForLog((r) => r.body === 'job settled 9: 10', WAIT, "the job's log line");
  assert.equal(record.attributes['liveprobe.action.id'], log.action.id);
  assert.equal(otlp.logRecords().filter((r) => r.body === 'job settled 9: 10').length, 1, 'only the job that waited was probed');
});

test('an agent disabled by a bad setting does not hold up an app that waits for it at start-up', async (t) => {
  const file = 'test/fixtures/startup-job.mjs';
  const job = new Child(process.execPath, ['--import', '@liveprobe/agent/register', fromRoot(file)], {
    name: 'startup job, bad setting',
    env: { LIVEPROBE_BROKER_URL: 'mqtt://127.0.0.1:1', LIVEPROBE_QUOTA_HITS_PER_SECOND: 'lots', LIVEPROBE_STARTUP_WAIT_MS: '60000' },
  });
  t.after(() => job.stop('SIGKILL'));
  assert.equal((await job.exited).code, 0, job.output());
  assert.match(job.output(), /the agent is disabled: .*LIVEPROBE_QUOTA_HITS_PER_SECOND/);
  assert.match(job.output(), /settled 10/);
  assert.doesNotMatch(job.output(), /ran out/);
});

test('LIVEPROBE_EXIT_FLUSH_MS bounds the exit: an OTLP endpoint that never answers does not hold the app', async (t) => {
  // Accepts every connection and never answers: a flush that waited for it would never end.
  const sockets = new Set<Socket>();
  const stuck = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => stuck.close(() => resolve()));
  });
  const { job } = await jobWithLog(
    t,
    'stuck-export',
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TIMEOUT: '600000',
      OTEL_BLRP_EXPORT_TIMEOUT: '600000',
      OTEL_BLRP_SCHEDULE_DELAY: '60000',
      LIVEPROBE_EXIT_FLUSH_MS: '300',
    },
    'settled',
  );
  await finish(job);
});

test('a LIVEPROBE_EXIT_FLUSH_MS that is not a number of milliseconds is named on stderr, and the default still delivers the last hit', async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const { job } = await jobWithLog(
    t,
    'bad-flush-setting',
    { ...otlp.env('http/protobuf'), OTEL_BLRP_SCHEDULE_DELAY: '60000', LIVEPROBE_EXIT_FLUSH_MS: 'soon' },
    'settled {order.id}',
  );
  await finish(job);
  assert.match(job.output(), /\[liveprobe\] LIVEPROBE_EXIT_FLUSH_MS="soon" is not a number of milliseconds \(0 or more\); using 1000/);
  await otlp.waitForLog((r) => r.body === 'settled 7', WAIT, 'the last log line');
});
