// The set-up the CLI's outcome tests share: a control plane and the demo shop with the agent,
// listed by `liveprobe agents` before the test's first command.
import type { TestContext } from 'node:test';
import { cli, waitFor, type App, type ControlPlane } from '../helpers/index.js';
import { app, controlPlane } from '../agent/fixtures.js';

export interface ShopOnline {
  cp: ControlPlane;
  shop: App;
  /** The CLI's options for this control plane. */
  server: { server: string };
}

export async function shopOnline(t: TestContext, agentId: string): Promise<ShopOnline> {
  const cp = await controlPlane(t);
  const shop = await app(t, { agentId, broker: cp.mqttUrl });
  const server = { server: cp.url };
  await waitFor(async () => (await cli(['agents'], server)).stdout.includes(agentId), 15_000, 'the agent online');
  return { cp, shop, server };
}
