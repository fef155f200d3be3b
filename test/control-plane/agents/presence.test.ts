// An agent the control plane stops hearing from is offline after three missed heartbeats, even
// when no Last Will ever says so (the process died with no Will on the broker): the agents list,
// the CLI's wait for answers and the actions' summaries then leave it out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEARTBEAT_SECONDS, type AgentView, type CreatedAction } from '@liveprobe/protocol';
import type { ActionView } from '@liveprobe/control-plane';
import { birth, defaultTopics, inProcess, logAction, postAction, receive } from '../fixtures.js';

const HEARTBEAT_MS = HEARTBEAT_SECONDS * 1000;

test('an agent silent for three heartbeats is listed offline, and online again when it is heard from', async (t) => {
  const { app, services, advance, now } = await inProcess(t);
  const heartbeat = (agentId: string) =>
    receive(services, defaultTopics.agentEvents(agentId), { kind: 'heartbeat', agentId, time: now().toISOString(), actions: 1 });
  const agents = async () =>
    ((await (await app.request('/api/v1/agents')).json()) as { agents: AgentView[] }).agents.map((a) => [a.agentId, a.online]);
  for (const agentId of ['api-1', 'api-2']) await receive(services, defaultTopics.agentStatus(agentId), birth(agentId, ['checkout']));
  const created = (await (await postAction(app, logAction({ tags: ['checkout'] }))).json()) as CreatedAction;
  for (const agentId of ['api-1', 'api-2']) {
    await receive(services, defaultTopics.agentEvents(agentId), {
      kind: 'action_status',
      agentId,
      time: now().toISOString(),
      actionId: created.action.id,
      state: 'installed',
      location: { file: '/srv/app/src/orders.ts', line: 42 },
    });
  }
  const summary = async () => ((await (await app.request(`/api/v1/actions/${created.action.id}`)).json()) as ActionView).summary;

  // Two heartbeats missed: both still online (a heartbeat may come late, or wait in a busy broker).
  for (let beat = 0; beat < 2; beat++) {
    advance(HEARTBEAT_MS);
    await heartbeat('api-1');
  }
  assert.deepEqual(await agents(), [
    ['api-1', true],
    ['api-2', true],
  ]);
  assert.equal(await summary(), 'installed on 2/2 agents');

  // The third: api-2, heard from last at its birth, is offline and listed after the online one.
  advance(HEARTBEAT_MS + 1);
  await heartbeat('api-1');
  assert.deepEqual(await agents(), [
    ['api-1', true],
    ['api-2', false],
  ]);
  assert.match(await summary(), /^installed on 1\/1 agent; 1 offline/);

  await heartbeat('api-2');
  assert.deepEqual(await agents(), [
    ['api-1', true],
    ['api-2', true],
  ]);
});
