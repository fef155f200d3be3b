/**
 * The agent's worker thread costs the app no second copy of V8's builtins (main/worker-thread.ts):
 * with an old generation of 2 GiB or more, V8 maps the node binary's builtins again next to each
 * new isolate's code, and every page of them the worker runs counts in the app's RSS once more.
 * Read from the app's own memory map (Linux), beside the same app without the agent.
 */
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { waitFor } from '../../helpers/index.js';
import { app, controlPlane } from '../fixtures.js';

const SERVICE = 'test/fixtures/idle-service.mjs';

/**
 * Executable mappings of the node binary beyond the first at each file offset: the copies of its
 * code V8 mapped again (the embedded builtins, once per isolate that asked for them).
 */
function remappedCode(pid: number): number {
  const binary = readlinkSync(`/proc/${pid}/exe`);
  const offsets = readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields[1]?.includes('x') && fields[5] === binary)
    .map((fields) => fields[2]);
  return offsets.length - new Set(offsets).size;
}

test('the running agent worker maps no second copy of V8 builtins beside the app’s own', {
  skip: process.platform !== 'linux',
}, async (t) => {
  const cp = await controlPlane(t);
  const [bare, agent] = await Promise.all([
    app(t, { script: SERVICE, broker: cp.mqttUrl, agent: false }),
    app(t, { script: SERVICE, broker: cp.mqttUrl, agentId: 'worker-builtins', env: { LIVEPROBE_WORKER_START: 'startup' } }),
  ]);
  // The app's own diagnostic report lists the agent's worker once it runs.
  const workers = async (url: string) => Number(await (await fetch(`${url}/workers`)).text());
  await waitFor(async () => (await workers(agent.url)) === 1, 15_000, "the agent's worker to run");
  assert.equal(await workers(bare.url), 0);
  assert.equal(remappedCode(agent.pid), remappedCode(bare.pid), 'as many copies of the builtins as the app without the agent');
});
