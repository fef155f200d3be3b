// What the Python agent's tests of exception actions on web frameworks share: a fixture's answers
// with and without the agent, through a real control plane, broker and CLI, and its snapshots.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { CapturedValue, NamedValue, SnapshotData } from '@liveprobe/protocol';
import { cli, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { controlPlane, deleteAction } from '../agent/fixtures.js';
import { startPythonApp } from './python-app.js';

export const WAIT = 20_000;
export const CARD = '4111111111111111';
export const snapshotOf = (actionId: string) => (e: SseEvent) =>
  e.event === 'snapshot' && (e.data as { actionId: string }).actionId === actionId;
export const find = (values: NamedValue[], name: string): CapturedValue | undefined => values.find((v) => v.name === name)?.value;

export interface Answer {
  status: number;
  body: string;
}

export async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.text() };
}

/** A response as the tests compare it. */
export const answer = async (response: Promise<Response>): Promise<Answer> => {
  const r = await response;
  return { status: r.status, body: await r.text() };
};

export async function snapshotsOf(cpUrl: string, actionId: string): Promise<SnapshotData[]> {
  const { snapshots } = (await (await fetch(`${cpUrl}/api/v1/snapshots?action=${actionId}`)).json()) as { snapshots: { id: string }[] };
  return Promise.all(
    snapshots.map(
      async ({ id }) => ((await (await fetch(`${cpUrl}/api/v1/snapshots/${id}`)).json()) as { snapshot: SnapshotData }).snapshot,
    ),
  );
}

/** The fixture's answers to `ask` without the agent (a run of its own), then the app run with the agent. */
export async function withAndWithout(
  t: TestContext,
  script: string,
  ask: (url: string) => Promise<Answer[]>,
  env: Record<string, string> = {},
) {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const plain = await startPythonApp(t, { script, launcher: 'no agent', broker: cp.mqttUrl, tags: ['none'], agentId: 'no-agent', env });
  const without = await ask(plain.url);
  await plain.stop();
  const agentId = [script.replace('.py', '').replace('_', '-'), ...Object.values(env)].join('-');
  const app = await startPythonApp(t, { script, broker: cp.mqttUrl, tags: ['web'], agentId, env });
  const hooks = async () => (await fetch(`${app.url}/hooks`)).json();
  const before = await hooks();
  const added = await cli(['exception', 'add', '--tag', 'web', '--file', 'fixtures/*.py'], { server: cp.url });
  assert.equal(added.code, 0, added.stdout + added.stderr);
  assert.match(added.stdout, /: installed/);
  const actionId = /created (act_\w+)/.exec(added.stdout)![1]!;
  const removed = async () => {
    await deleteAction(cp, actionId);
    const back = JSON.stringify(before);
    await waitFor(async () => JSON.stringify(await hooks()) === back, WAIT, 'the framework as it was before the action');
  };
  return { cp, events, app, without, hooks, before, actionId, removed };
}
