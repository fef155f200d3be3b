// Workers started by `multiprocessing`'s spawn (uvicorn --workers, uvicorn --reload) are fresh
// interpreters that inherit the supervisor's environment, so each starts an agent too: each must
// take an id of its own (the configured id with its pid), or every process connects under one MQTT
// client id and the broker hands the connection back and forth between them. multiprocessing's own
// helper process (its resource tracker) starts no agent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { Child, fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { ensureVenv, FIXTURES, VENV } from './python-app.js';

const WAIT = 30_000;
const SERVER = `${FIXTURES}/spawn_workers.py`;
const data = (e: SseEvent) => e.data as { agentId: string; actionId?: string; state?: string; message?: string };

test('a spawned worker is an agent of its own, with its pid in its id, and sends its own hits', async (t) => {
  ensureVenv();
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const server = new Child(`${VENV}/bin/liveprobe-run`, ['python', fromRoot(SERVER)], {
    name: 'spawn_workers.py',
    env: {
      PYTHONUNBUFFERED: '1',
      LIVEPROBE_BROKER_URL: cp.mqttUrl,
      LIVEPROBE_TAGS: 'spawned',
      LIVEPROBE_AGENT_ID: 'api',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
    },
  });
  t.after(() => server.stop());
  const listening = await server.waitForLine((text) => /listening on http:\/\/\S+/.test(text), WAIT, 'the worker listening');
  const [, workerPid, url] = /worker (\d+) listening on (http:\/\/\S+)/.exec(listening)!;
  const worker = `api-${workerPid}`;

  // Both online at once, each under its own id: with one id they would take the connection from each other.
  const online = async () => {
    const agents = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: { agentId: string; online: boolean }[] };
    return agents.agents.filter((a) => a.online).map((a) => a.agentId);
  };
  await waitFor(async () => (await online()).includes(worker) && (await online()).includes('api'), WAIT, `agents api and ${worker} online`);
  // multiprocessing's resource tracker, a Python process of its own, runs no app code: no agent.
  assert.deepEqual((await online()).sort(), ['api', worker].sort());

  const { action } = await addAction(cp, {
    type: 'log',
    file: SERVER,
    line: lineOf(SERVER, 'worker-line'),
    template: 'doubling {n}',
    tags: ['spawned'],
  });
  await events.waitFor(
    (e) => e.event === 'action_status' && data(e).actionId === action.id && data(e).agentId === worker && data(e).state === 'installed',
    WAIT,
    `the worker's agent ${worker} to install the action`,
  );
  assert.deepEqual(await (await fetch(url!)).json(), { pid: Number(workerPid), result: 42 });
  const line = await events.waitFor((e) => e.event === 'output' && data(e).actionId === action.id, WAIT, "the worker's line");
  assert.equal(data(line).agentId, worker);
  assert.equal(data(line).message, 'doubling 21');
  assert.doesNotMatch(server.output(), /lost the broker/, 'no agent lost its connection to another process with its id');
});
