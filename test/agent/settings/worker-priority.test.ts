import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { waitFor } from '../../helpers/index.js';
import { app, controlPlane } from '../fixtures.js';
import { HOT_FUNCTION, logOnWarmFunction } from '../hot-function.js';

const linuxOnly = { skip: process.platform !== 'linux' && 'a thread has a nice value of its own on Linux only' };

/** Each thread's nice value, by thread id (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(pid: number): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    // The fields after the command name, which may hold spaces, in parentheses.
    nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return nices;
}

test(
  "LIVEPROBE_WORKER_NICE=10 with the session open from start-up runs the agent's worker thread alone 10 nice steps below the app's threads, and actions install and log",
  linuxOnly,
  async (t) => {
    const service = await logOnWarmFunction(t, { LIVEPROBE_WORKER_NICE: '10' });
    const nices = threadNices(service.pid);
    assert.equal(nices.get(service.pid), 0, "the app's main thread keeps its priority");
    const lowered = [...nices].filter(([, nice]) => nice !== 0);
    assert.equal(lowered.length, 1, `one thread (the worker) runs at a lower priority: ${JSON.stringify([...nices])}`);
    assert.equal(lowered[0]?.[1], 10);
  },
);

test(
  "unset, even with the session open from start-up, the worker keeps the app's priority, and actions install and log",
  linuxOnly,
  async (t) => {
    const service = await logOnWarmFunction(t, {});
    assert.deepEqual(new Set(threadNices(service.pid).values()), new Set([0]));
  },
);

test('LIVEPROBE_WORKER_NICE=19 with the session open from start-up puts the worker at the lowest priority', linuxOnly, async (t) => {
  const service = await logOnWarmFunction(t, { LIVEPROBE_WORKER_NICE: '19' });
  assert.deepEqual(
    [...threadNices(service.pid).values()].filter((nice) => nice !== 0),
    [19],
  );
});

test('a LIVEPROBE_WORKER_NICE out of 0–19 disables the agent with the accepted values, and the app runs', async (t) => {
  const cp = await controlPlane(t);
  const service = await app(t, { script: HOT_FUNCTION, broker: cp.mqttUrl, env: { LIVEPROBE_WORKER_NICE: '20' } });
  await waitFor(() => service.output().includes('the agent is disabled'), 10_000, 'the agent to say why it is disabled');
  assert.match(service.output(), /LIVEPROBE_WORKER_NICE: "20" is not a whole number from 0 to 19/);
  assert.equal(await (await fetch(service.url)).text(), '0', 'the app served the request');
});
