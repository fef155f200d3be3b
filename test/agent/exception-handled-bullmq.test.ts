import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startApp } from '../helpers/app.js';
import { redis } from '../helpers/redis.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { assertReservedAndSettled, shownOnceLastIsIn } from './handled-snapshots.js';
import { snapshotsOnBroker } from './snapshot-events.js';

// Errors BullMQ's Worker catches: a job processor's throw or rejection fails the job (its
// `failed` event, a retry while attempts are left) and never reaches uncaughtException.
const APP = 'test/fixtures/handled-errors/bullmq.cjs';
const _STOCK = 'test/fixtures/handled-errors/stock.cjs';

/** Jobs the app runs, each as /run's query: what BullMQ recorded of each is the app's outcome. */
const JOBS = ['job=reserve&sku=sku-1&wanted=5&attempts=2', 'job=settle&customer=lin', 'job=count&text=many'];

async function run(url: string, job: string): Promise<unknown> {
  const response = await fetch(`${url}/run?${job}`);
  assert.equal(response.status, 200);
  return response.json();
}

async function outcomes(t: TestContext, port: number): Promise<unknown[]> {
  const worker = await startApp({
    script: APP,
    module: 'cjs',
    tags: ['e2e'],
    broker: 'mqtt://127.0.0.1:9',
    agent: false,
    env: { REDIS_PORT: String(port) },
  });
  t.after(() => worker.stop());
  const all: unknown[] = [];
  for (const job of JOBS) all.push(await run(worker.url, job));
  await worker.stop();
  return all;
}

test("bullmq: a processor's throw and rejection give snapshots at their throw sites, one per attempt; the jobs fail as before; an error the processor swallows gives none", async (t) => {
  const server = await redis();
  t.after(() => server.stop());
  const without = await outcomes(t, server.port);
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const worker = await app(t, { script: APP, module: 'cjs', broker: cp.mqttUrl, env: { REDIS_PORT: String(server.port) } });
  // Matches the RangeError the processor swallows too.
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'], messagePattern: 'left|overdrawn|quantity' });
  assert.match(await installed(cp, action.id), /^installed/);

  const withAgent: unknown[] = [];
  for (const job of JOBS) withAgent.push(await run(worker.url, job));
  assert.deepEqual(withAgent, without, "the jobs' reasons, attempts and stacks are the same as without the agent");
  assert.deepEqual(withAgent[0], {
    rejected: 'only 0 of sku-1 left, 5 wanted',
    failedReason: 'only 0 of sku-1 left, 5 wanted',
    attemptsMade: 2,
    stacks: (withAgent[0] as { stacks: string[] }).stacks,
  });
  assert.deepEqual(withAgent[2], { value: 1, attemptsMade: 1, stacks: [] });

  // Both attempts of the job fail the same way: two snapshots of the same throw site.
  await assertReservedAndSettled(snapshots, action.id, APP, 'bullmq');

  // A last job: once its snapshot is in, the others (in any order) are too.
  await run(worker.url, 'job=reserve&sku=sku-2&wanted=9');
  assert.deepEqual(
    await shownOnceLastIsIn(snapshots),
    [
      'only 0 of sku-1 left, 5 wanted',
      'only 0 of sku-1 left, 5 wanted',
      'ledger lin is overdrawn',
      'only 4 of sku-2 left, 9 wanted',
    ].sort(),
    'one snapshot per attempt that failed, none for the RangeError the processor swallowed',
  );
});
