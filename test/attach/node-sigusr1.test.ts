import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent, OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { attachCli, inspectorAnswers, plainNodeService, sidecarOffline, snapshot, snapshotsOf, TARGET, WAIT } from './fixtures.js';

const GREET = lineOf(TARGET, 'greet');
const INSPECTOR_PORT = 9229;

const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as ActionStatusEvent).actionId === actionId &&
  (event.data as ActionStatusEvent).state === state;
const isOutput = (actionId: string) => (event: SseEvent) => event.event === 'output' && (event.data as OutputEvent).actionId === actionId;

test('attach --pid to a Node process started without flags: a log and a snapshot work, and detaching leaves the process as it was', async (t) => {
  assert.equal(await inspectorAnswers(INSPECTOR_PORT), false, `something already listens on ${INSPECTOR_PORT}; this test needs it free`);
  const cp = await controlPlane(t);
  const service = await plainNodeService(t);
  const before = await (await fetch(`${service.url}/state`)).json();
  assert.deepEqual(before, { hook: false, binding: false, inspector: null });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());

  const sidecar = await attachCli(t, ['--pid', String(service.child.pid), '--tag', 'attached', '--agent-id', 'sidecar-1'], cp);
  const printed = sidecar.child.output();
  assert.match(
    printed,
    new RegExp(
      `attached to node v\\d+\\.\\d+\\.\\d+ pid ${service.child.pid} \\(.*attach-target\\.mjs\\) at ws://127\\.0\\.0\\.1:${INSPECTOR_PORT}/`,
    ),
  );
  // The birth message is published on connect; the control plane records it a moment later.
  const joined = await waitFor(
    async () => {
      const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as {
        agents: { agentId: string; pid?: number; tags: string[] }[];
      };
      return agents.find((a) => a.agentId === 'sidecar-1');
    },
    WAIT,
    'the sidecar in the fleet',
  );
  assert.equal(joined.pid, service.child.pid, 'the fleet sees the target’s pid, not the sidecar’s');
  assert.deepEqual(joined.tags, ['attached']);

  const log = await addAction(cp, { type: 'log', file: TARGET, line: GREET, template: 'greeting {name} as #{count}', tags: ['attached'] });
  const snap = await addAction(cp, { type: 'snapshot', file: TARGET, line: GREET, tags: ['attached'] });
  for (const id of [log.action.id, snap.action.id]) await events.waitFor(isStatus(id, 'installed'), WAIT, `${id} installed`);

  assert.equal(await (await fetch(`${service.url}/?name=ada`)).text(), 'hello ada #1');
  const output = await events.waitFor(isOutput(log.action.id), WAIT, 'the log line');
  assert.equal((output.data as OutputEvent).message, 'greeting ada as #1');
  await events.waitFor(isStatus(snap.action.id, 'hit_limit'), WAIT, 'the snapshot reaching its hit limit');
  const [summary] = await snapshotsOf(cp, snap.action.id);
  assert.ok(summary, 'a snapshot was stored');
  assert.equal(summary.agentId, 'sidecar-1');
  const { snapshot: captured } = await snapshot(cp, summary.id);
  assert.deepEqual(captured.arguments, [
    { name: 'name', value: { t: 'string', v: 'ada' } },
    { name: 'count', value: { t: 'number', v: 1 } },
  ]);
  assert.match(JSON.stringify(captured.stack), /attach-target\.mjs/);
  const during = await (await fetch(`${service.url}/state`)).json();
  assert.equal((during as { hook: boolean }).hook, true);

  assert.equal(await sidecar.detach(), 0, sidecar.child.output());
  assert.match(sidecar.child.output(), /detached: breakpoints and the hook removed/);
  assert.deepEqual(
    await (await fetch(`${service.url}/state`)).json(),
    { hook: false, binding: false, inspector: null },
    'no hook, no binding, inspector closed',
  );
  assert.equal(await inspectorAnswers(INSPECTOR_PORT), false, '/json/list refuses: the inspector it opened is closed');
  const quiet = events.events().filter(isOutput(log.action.id)).length;
  assert.equal(await (await fetch(`${service.url}/?name=bo`)).text(), 'hello bo #2', 'it keeps serving');
  // The sidecar's offline status is the last thing it says: any output it relayed came before.
  await sidecarOffline(cp, 'sidecar-1');
  assert.equal(events.events().filter(isOutput(log.action.id)).length, quiet, 'no output after detaching');
  assert.equal(service.child.status, undefined, 'the service still runs');
  assert.doesNotMatch(service.child.output(), /Error|Warning/, 'the service printed no error');
});
