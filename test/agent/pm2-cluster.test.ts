/**
 * An app run by pm2 in cluster mode, its settings in an ecosystem file's `env`, the agent in
 * `node_args` (settings/launch-env.cts): pm2 hands each worker those variables packed into one,
 * `pm2_env`, and unpacks them only as the app's entry module runs, after the agent's preload. Each
 * worker's agent must still join the broker the file names, with its tags, export to its OTLP
 * endpoint and prepare the files it lists, as the app sees them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { Child, fromRoot, repoRoot } from '@liveprobe/harness';
import { lineOf, otlpReceiver, tempDir, waitFor } from '../helpers/index.js';
import type { ControlPlane } from '../helpers/index.js';
import { addAction, controlPlane, getAction, ORDERS_CJS } from './fixtures.js';

const WAIT = 30_000;

/**
 * One request on a connection of its own. The cluster's primary hands each new connection to the
 * next worker in turn, and a kept-alive connection (fetch pools them) stays with the worker that
 * took it: every request would reach one worker, and the other's agent would never be hit.
 */
function requestOnNewConnection(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}
const TOTAL = lineOf(ORDERS_CJS, 'cjs-total');
const WORKERS = 2;

interface Agent {
  agentId: string;
  online: boolean;
  tags: string[];
  pid: number;
}

/**
 * Starts `pm2-runtime` (pm2 in the foreground, as in a container) on an ecosystem file with two cluster workers; `shellEnv`
 * is the environment pm2 itself starts in, which its workers inherit as they are forked.
 */
async function pm2Cluster(
  t: TestContext,
  loader: '--import' | '--require',
  env: Record<string, string>,
  shellEnv: Record<string, string> = {},
) {
  const dir = await tempDir('liveprobe-pm2-');
  t.after(() => dir.remove());
  const ecosystem = join(dir.path, 'ecosystem.config.cjs');
  const app = {
    name: 'orders',
    script: fromRoot(ORDERS_CJS),
    cwd: repoRoot,
    exec_mode: 'cluster',
    instances: WORKERS,
    node_args: [loader, '@liveprobe/agent/register'],
    // Port 0: Node's cluster gives every worker the one port its primary bound, which the workers print.
    env: { PORT: 0, ...env },
  };
  await writeFile(ecosystem, `module.exports = ${JSON.stringify({ apps: [app] })};\n`);
  const runtime = new Child(process.execPath, [fromRoot('node_modules/pm2/bin/pm2-runtime'), ecosystem], {
    name: 'pm2-runtime',
    // Where pm2 keeps its logs and sockets: the test's own, not the user's ~/.pm2.
    env: { PM2_HOME: join(dir.path, 'pm2-home'), ...shellEnv },
  });
  t.after(() => runtime.stop('SIGINT'));
  const [url] = await runtime.waitForMatch(/http:\/\/127\.0\.0\.1:\d+/, WAIT, 'a worker listening');
  return { url, runtime };
}

test("pm2 cluster workers started with --import take the ecosystem file's settings: broker, tags, OTLP endpoint", async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const { url, runtime } = await pm2Cluster(t, '--import', {
    LIVEPROBE_BROKER_URL: cp.mqttUrl,
    LIVEPROBE_TAGS: 'pm2-orders,cluster',
    ...otlp.env('http/protobuf'),
    OTEL_SERVICE_NAME: 'orders-pm2',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
  });
  const agents = await clusterAgents(cp, runtime);
  assert.deepEqual(
    agents.map((a) => a.tags),
    [
      ['pm2-orders', 'cluster'],
      ['pm2-orders', 'cluster'],
    ],
  );
  const log = await addAction(cp, {
    type: 'log',
    file: ORDERS_CJS,
    line: TOTAL,
    template: 'total {total} in {process.pid}',
    tags: ['pm2-orders'],
  });
  await installedOnAll(cp, log.action.id, agents);
  // Round-robin spreads the requests over the workers: each agent exports its own records.
  for (const agent of agents) {
    await waitFor(
      async () => {
        await requestOnNewConnection(`${url}/?id=1`);
        return otlp.logRecords().some((r) => r.attributes['liveprobe.agent.id'] === agent.agentId);
      },
      WAIT,
      `a record from ${agent.agentId}`,
    );
  }
  const records = otlp.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === log.action.id);
  assert.ok(records.every((r) => r.resource['service.name'] === 'orders-pm2'));
  assert.deepEqual(new Set(records.map((r) => r.body)), new Set(agents.map((a) => `total 21 in ${a.pid}`)));
});

test("pm2 cluster workers started with --require take the ecosystem file's settings, the files to prepare included", async (t) => {
  const cp = await controlPlane(t);
  // The broker as exported in the shell that ran pm2: the workers join it in any case.
  const { url, runtime } = await pm2Cluster(
    t,
    '--require',
    {
      LIVEPROBE_TAGS: 'pm2-prepared',
      LIVEPROBE_PREPARE: fromRoot(ORDERS_CJS),
      LIVEPROBE_PREPARE_CACHE: 'off',
      // A number in an ecosystem file is a number in pm2's JSON: the app reads it as text, and so does the agent.
      LIVEPROBE_CAPTURE_DEPTH: 2 as unknown as string,
    },
    { LIVEPROBE_BROKER_URL: cp.mqttUrl, LIVEPROBE_TAGS: 'from-the-shell' },
  );
  const agents = await clusterAgents(cp, runtime);
  const counter = await addAction(cp, {
    type: 'counter',
    file: ORDERS_CJS,
    line: TOTAL,
    name: 'orders.totals',
    agents: agents.map((a) => a.agentId),
  });
  const statuses = await installedOnAll(cp, counter.action.id, agents);
  assert.deepEqual(
    statuses.map((s) => s.message),
    agents.map(() => 'prepared site (no breakpoint)'),
  );
  // pm2 sets the ecosystem file's values over the shell's, and so does the agent.
  assert.deepEqual(
    agents.map((a) => a.tags),
    agents.map(() => ['pm2-prepared']),
  );
  assert.equal((await fetch(`${url}/?id=2`)).status, 200);
});

/** The cluster's agents once both workers' are online, by pid. */
async function clusterAgents(cp: ControlPlane, runtime: Child): Promise<Agent[]> {
  let online: Agent[] = [];
  try {
    await waitFor(
      async () => {
        const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: Agent[] };
        online = agents.filter((a) => a.online).sort((a, b) => a.pid - b.pid);
        return online.length === WORKERS;
      },
      WAIT,
      `${WORKERS} agents online`,
    );
  } catch (err) {
    assert.fail(`${err}; pm2-runtime's output:\n${runtime.output()}`);
  }
  return online;
}

async function installedOnAll(cp: ControlPlane, actionId: string, agents: Agent[]) {
  let statuses: { agentId: string; state: string; message?: string }[] = [];
  await waitFor(
    async () => {
      statuses = (await getAction(cp, actionId)).statuses.filter((s) => s.state === 'installed');
      return statuses.length === agents.length;
    },
    WAIT,
    `${actionId} installed on every worker`,
  );
  return statuses.sort((a, b) => a.agentId.localeCompare(b.agentId));
}
