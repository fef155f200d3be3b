/**
 * `token create --role agent` says the secret is a broker credential and how agents use it;
 * following that advice connects an agent, and the REST API refuses the secret as `--token`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, startApp, startControlPlane, waitFor } from '../helpers/index.js';
import { SHOP } from '../agent/fixtures.js';

test('an agent token is explained as a broker credential, and the LIVEPROBE_BROKER_URL it suggests connects an agent', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const created = await cli(['token', 'create', '--name', 'edge agents', '--role', 'agent', '--tag', 'edge', '--agent', 'edge-*'], {
    server: cp.url,
    token: cp.token!,
  });
  assert.equal(created.code, 0, created.stderr);
  const secret = created.stdout.split('\n')[1]!;
  const advice = /LIVEPROBE_BROKER_URL=mqtt:\/\/([^:]+):<secret>@<broker host>:<port>/.exec(created.stderr);
  assert.ok(advice, `the advice names the broker URL: ${created.stderr}`);
  assert.match(created.stderr, /broker credential for agents, not an API token/);
  assert.doesNotMatch(created.stderr, /use it as --token/);

  const broker = new URL(cp.mqttUrl);
  const shop = await startApp({
    script: SHOP,
    module: 'esm',
    tags: ['edge'],
    agentId: 'edge-1',
    broker: `mqtt://${advice[1]}:${secret}@${broker.host}`,
  });
  t.after(() => shop.stop());
  await waitFor(
    async () => (await cli(['agents', '--json'], { server: cp.url, token: cp.token! })).stdout.includes('"edge-1"'),
    15_000,
    'the agent online with the suggested URL',
  );
  const asApiToken = await cli(['actions'], { server: cp.url, token: secret });
  assert.notEqual(asApiToken.code, 0, 'the REST API refuses an agent token');
});
