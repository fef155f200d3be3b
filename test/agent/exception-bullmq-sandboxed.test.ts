import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusView } from '@liveprobe/protocol';
import { type ControlPlane, lineOf, waitFor } from '../helpers/index.js';
import { redis } from '../helpers/redis.js';
import { addAction, app, controlPlane, getAction } from './fixtures.js';
import { assertReservedAndSettled, shownOnceLastIsIn } from './handled-snapshots.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

// A BullMQ processor given as a file runs in a child process BullMQ forks with the app's Node
// flags and environment: the agent loads there too, an agent of its own with the app's tags,
// and BullMQ's code in the child catches what the processor throws or rejects and sends it to
// the app's process, which fails the job with an error it rebuilt from the message.
const APP = 'test/fixtures/handled-errors/bullmq-sandboxed.cjs';
const PROCESSOR = 'test/fixtures/handled-errors/bullmq-processor.cjs';

async function run(url: string, job: string): Promise<{ value?: { greeting: string; pid: number }; rejected?: string }> {
  const response = await fetch(`${url}/run?${job}`);
  assert.equal(response.status, 200);
  return (await response.json()) as { value?: { greeting: string; pid: number } };
}

/** The action's `installed` statuses once there are `count`. */
async function installedOn(cp: ControlPlane, actionId: string, count: number): Promise<ActionStatusView[]> {
  let statuses: ActionStatusView[] = [];
  await waitFor(
    async () => {
      statuses = (await getAction(cp, actionId)).statuses.filter((s) => s.state === 'installed');
      return statuses.length >= count;
    },
    15_000,
    `${actionId} installed on ${count} agents`,
  );
  return statuses;
}

test("bullmq sandboxed: a processor file's line action installs in BullMQ's child process, an agent of its own; its throw and rejection give one snapshot per attempt at their throw sites, none from the app's process", async (t) => {
  const server = await redis();
  t.after(() => server.stop());
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const worker = await app(t, { script: APP, module: 'cjs', broker: cp.mqttUrl, env: { REDIS_PORT: String(server.port) } });
  const exception = await addAction(cp, { type: 'exception', tags: ['e2e'], messagePattern: 'left|overdrawn|quantity' });
  const greet = await addAction(cp, { type: 'snapshot', tags: ['e2e'], file: PROCESSOR, line: lineOf(PROCESSOR, 'sandboxed-greet') });

  // The first job forks the child; once its agent has both actions, the jobs that follow run under them.
  const first = await run(worker.url, 'job=greet&customer=ada');
  assert.equal(first.value?.greeting, 'hello ada');
  const childPid = first.value!.pid;
  const [line] = await installedOn(cp, greet.action.id, 1);
  assert.match(line!.agentId, new RegExp(`-${childPid}-`), "the line action installs in the child, under the child's agent id");
  await installedOn(cp, exception.action.id, 2);

  const again = await run(worker.url, 'job=greet&customer=lin');
  assert.equal(again.value?.pid, childPid, 'the child is reused');
  const { snapshot: greeted, agentId } = await snapshots.waitFor(
    (e) => e.actionId === greet.action.id,
    15_000,
    "the greet line's snapshot",
  );
  assert.equal(agentId, line!.agentId);
  assert.deepEqual(find(greeted.locals, 'greeting'), { t: 'string', v: 'hello lin' });

  const reserved = await run(worker.url, 'job=reserve&sku=sku-1&wanted=5&attempts=2');
  assert.equal(reserved.rejected, 'only 0 of sku-1 left, 5 wanted', 'the job fails as before');
  await run(worker.url, 'job=settle&customer=lin');
  assert.deepEqual((await run(worker.url, 'job=count&text=many')).value, 1);
  await assertReservedAndSettled(snapshots, exception.action.id, PROCESSOR, 'sandboxed');

  // A last job: once its snapshot is in, the others (in any order) are too.
  await run(worker.url, 'job=reserve&sku=sku-2&wanted=9');
  assert.deepEqual(
    await shownOnceLastIsIn(snapshots, (e) =>
      e.actionId === exception.action.id ? `${e.snapshot.exception?.message} on ${e.agentId}` : undefined,
    ),
    [
      undefined,
      `only 0 of sku-1 left, 5 wanted on ${line!.agentId}`,
      `only 0 of sku-1 left, 5 wanted on ${line!.agentId}`,
      `ledger lin is overdrawn on ${line!.agentId}`,
      `only 4 of sku-2 left, 9 wanted on ${line!.agentId}`,
    ].sort(),
    "one snapshot per attempt that failed, from the child's agent: none for the error the app's process rebuilt, none for the RangeError the processor swallowed",
  );
});
