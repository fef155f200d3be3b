import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startFleet, type Fleet, type FleetOptions } from '../../bench/fleet-simulator/index.js';
import { startControlPlane, waitFor, type ControlPlane } from '../helpers/index.js';
import { Child, builtFile } from '@liveprobe/harness';

const WAIT = 60_000;

interface AgentView {
  agentId: string;
  online: boolean;
  tags: string[];
}
interface ActionView {
  id: string;
  summary: string;
  statuses: { agentId: string; state: string }[];
}

const agentsOf = async (cp: ControlPlane) => ((await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: AgentView[] }).agents;
const actionOf = async (cp: ControlPlane, id: string) => (await (await fetch(`${cp.url}/api/v1/actions/${id}`)).json()) as ActionView;

async function addLogAction(cp: ControlPlane, tags: string[]): Promise<string> {
  const response = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'log', file: 'src/orders.ts', line: 42, template: 'order {order.id}', tags }),
  });
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return (JSON.parse(text) as { action: { id: string } }).action.id;
}

/** A control plane, and simulated fleets on its broker that leave before it stops. */
async function controlPlane(
  t: TestContext,
): Promise<{ cp: ControlPlane; simulate(options: Omit<FleetOptions, 'broker'>): Promise<Fleet> }> {
  const cp = await startControlPlane();
  const fleets: Fleet[] = [];
  t.after(async () => {
    await Promise.all(fleets.map((f) => f.stop()));
    await cp.stop();
  });
  return {
    cp,
    async simulate(options) {
      const fleet = await startFleet({ broker: cp.mqttUrl, ...options });
      fleets.push(fleet);
      return fleet;
    },
  };
}

test('200 simulated agents against a real control plane are all online and all install an action for their tag', async (t) => {
  const { cp, simulate } = await controlPlane(t);
  const fleet = await simulate({ agents: 200, tags: ['fleet', 'eu'] });
  await waitFor(async () => (await agentsOf(cp)).filter((a) => a.online).length === 200, WAIT, '200 agents online');

  const actionId = await addLogAction(cp, ['fleet']);
  await waitFor(async () => (await actionOf(cp, actionId)).statuses.length === 200, WAIT, '200 statuses');
  const view = await actionOf(cp, actionId);
  assert.equal(view.summary, 'installed on 200/200 agents');
  assert.ok(view.statuses.every((s) => s.state === 'installed'));
  assert.equal(fleet.count(actionId, 'installed'), 200);

  const agents = await agentsOf(cp);
  assert.equal(agents.length, 200);
  assert.ok(
    agents.every((a) => a.online && a.tags.join() === 'fleet,eu'),
    'every agent online with its tags',
  );
  assert.deepEqual(agents.map((a) => a.agentId).sort(), fleet.agents.map((a) => a.agentId).sort());
});

test('a simulated agent that joins later gets the current actions, and one that crashes goes offline through its Last Will', async (t) => {
  const { cp, simulate } = await controlPlane(t);
  const actionId = await addLogAction(cp, ['late']);
  const fleet = await simulate({ agents: 3, tags: ['late'], idPrefix: 'late' });
  await fleet.waitFor(actionId, 'installed', 3, WAIT);
  await waitFor(async () => (await actionOf(cp, actionId)).summary === 'installed on 3/3 agents', WAIT, 'installed on 3/3');

  fleet.agents[0]!.crash();
  await waitFor(
    async () => (await agentsOf(cp)).find((a) => a.agentId === 'late-00000')?.online === false,
    WAIT,
    'the crashed agent offline',
  );
  assert.equal((await agentsOf(cp)).filter((a) => a.online).length, 2);
});

test('the CLI spreads agents over processes, reports installs, and takes every agent offline on Ctrl-C', async (t) => {
  const { cp } = await controlPlane(t);
  const cli = new Child(
    process.execPath,
    [
      builtFile('bench/dist/fleet-simulator/fleet-simulator.js'),
      '--broker',
      cp.mqttUrl,
      '--agents',
      '40',
      '--tags',
      'a,b',
      '--processes',
      '2',
      '--id-prefix',
      'cli',
    ],
    { name: 'fleet-simulator' },
  );
  t.after(() => cli.stop('SIGKILL'));
  await cli.waitForLine((line) => line.startsWith('fleet-simulator: all 40 online'), WAIT, 'all online');
  assert.equal((await agentsOf(cp)).filter((a) => a.online).length, 40);

  const actionId = await addLogAction(cp, ['b']);
  await cli.waitForLine((line) => line.startsWith(`fleet-simulator: ${actionId} installed on 40/40 agents`), WAIT, 'installed on 40/40');
  await waitFor(async () => (await actionOf(cp, actionId)).summary === 'installed on 40/40 agents', WAIT, 'the control plane agrees');

  const status = await cli.stop('SIGINT', 30_000);
  assert.equal(status.code, 0, cli.output());
  assert.match(cli.output(), /fleet-simulator: 40 agents offline/);
  await waitFor(async () => (await agentsOf(cp)).every((a) => !a.online), WAIT, 'every agent offline');
});
