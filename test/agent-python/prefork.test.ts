// Pre-fork servers: under `liveprobe-run gunicorn -w 2`, the agent started in gunicorn's master is
// retired in each forked worker (its code changes undone, its MQTT socket left to the master), and
// each worker starts an agent of its own, with the worker's pid in its id, that installs the
// action and sends the worker's hits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { Child, fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { ensureVenv, FIXTURES, VENV } from './python-app.js';

const WAIT = 30_000;
const SHOP = `${FIXTURES}/flask_shop.py`;
const data = (e: SseEvent) => e.data as { agentId: string; actionId?: string; state?: string; message?: string };

test('under gunicorn every worker is an agent of its own: each installs the action and sends its own hits', async (t) => {
  ensureVenv();
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const server = new Child(
    `${VENV}/bin/liveprobe-run`,
    ['gunicorn', '--workers', '2', '--bind', '127.0.0.1:0', '--chdir', fromRoot(FIXTURES), 'flask_shop:app'],
    {
      name: 'gunicorn',
      env: {
        PATH: `${VENV}/bin:${process.env.PATH ?? ''}`,
        PYTHONUNBUFFERED: '1',
        LIVEPROBE_BROKER_URL: cp.mqttUrl,
        LIVEPROBE_TAGS: 'prefork',
        LIVEPROBE_AGENT_ID: 'shop',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
      },
    },
  );
  t.after(() => server.stop());
  const listening = await server.waitForLine((text) => /Listening at: http:\/\/\S+/.test(text), WAIT, "gunicorn's `Listening at`");
  const url = /Listening at: (http:\/\/\S+)/.exec(listening)![1]!;
  const booted = () => [...server.output().matchAll(/Booting worker with pid: (\d+)/g)].map((m) => `shop-${m[1]}`);
  await waitFor(() => booted().length >= 2, WAIT, 'two gunicorn workers booted');
  const workers = booted();

  const { action } = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: lineOf(SHOP, 'checkout-order'),
    template: 'order for {user_id}',
    tags: ['prefork'],
  });
  for (const worker of workers) {
    await events.waitFor(
      (e) => e.event === 'action_status' && data(e).actionId === action.id && data(e).agentId === worker && data(e).state === 'installed',
      WAIT,
      `worker agent ${worker} to install the action`,
    );
  }
  // Each request on a new connection: the kernel hands connections to both workers, sooner or later.
  const seen = new Set<string>();
  const deadline = Date.now() + WAIT;
  for (let n = 0; seen.size < workers.length && Date.now() < deadline; n++) {
    await fetch(`${url}/checkout`, {
      method: 'POST',
      body: JSON.stringify({ user: `u${n}`, items: [{ sku: 'tea', quantity: 1 }] }),
      headers: { connection: 'close' },
    });
    const output = await events.waitFor(
      (e) => e.event === 'output' && data(e).actionId === action.id && data(e).message === `order for u${n}`,
      WAIT,
      `the line of request ${n}`,
    );
    seen.add(data(output).agentId);
  }
  assert.deepEqual([...seen].sort(), [...workers].sort(), 'both workers sent lines, each as its own agent');
});
