// What the agent says when the broker keeps closing its connection (real apps with the agent, on
// the control plane's embedded broker). Over MQTT 3.1.1, which the agent speaks, a broker gives no
// reason: aedes closes the connection both when it refuses a publish and when another client
// connects with the same client id (Mosquitto does the latter too, and drops a refused publish
// silently); the agent tells the two apart by when the close comes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startControlPlane as startEmbedded } from '@liveprobe/control-plane';
import { startApp, startControlPlane, tempDir, waitFor } from '../../helpers/index.js';
import { SHOP } from '../fixtures.js';

const count = (text: string, part: string | RegExp) => text.split(part).length - 1;

// The app thread's standby link holds the connection until the first action; the worker's, from
// start-up.
for (const start of ['first-action', 'startup'] as const) {
  const link = start === 'startup' ? "the worker's link" : 'the standby link';

  test(`${link}: a status the broker refuses, closing the connection each time, is explained once, not a line a second`, async (t) => {
    const dir = await tempDir('liveprobe-refused-status-');
    t.after(() => dir.remove());
    const brokerLog: string[] = [];
    const cp = await startEmbedded({
      port: 0,
      mqttPort: 0,
      dataDir: dir.path,
      auth: { mode: 'tokens' },
      log: (line) => brokerLog.push(line),
    });
    t.after(() => cp.close());
    const token = await cp.issueToken('checkout-agents', 'agent', { tags: ['checkout'], agents: ['shop-tags'] });
    const broker = new URL(cp.mqttUrl);
    broker.username = 'checkout-agents';
    broker.password = token;
    // Tags the token does not grant: the broker refuses the agent's status and closes the connection.
    const app = await startApp({
      script: SHOP,
      module: 'esm',
      broker: broker.href,
      tags: ['checkout', 'payments'],
      agentId: 'shop-tags',
      env: { LIVEPROBE_WORKER_START: start },
    });
    t.after(() => app.stop());

    // Its Last Will says each close; five of them are four reconnects.
    await waitFor(() => brokerLog.filter((line) => line === 'agent shop-tags offline').length >= 5, 20_000, 'five closes');
    const output = app.output();
    assert.equal(
      count(
        output,
        "the broker keeps closing this agent's connection as soon as it accepts it, before acknowledging its subscriptions: it refuses something the agent sends as it connects (with the control plane's broker, its status: the tags in LIVEPROBE_TAGS must be ones the agent token grants; the control plane's log says what it refused), or another process connects with the same agent id, shop-tags (LIVEPROBE_AGENT_ID); retrying every second",
      ),
      1,
      output,
    );
    assert.ok(count(output, /lost the broker/) <= 1, output);
    assert.ok(count(output, /reconnected to/) <= 1, output);
  });

  test(`${link}: two processes with the same agent id are told so once each, not a reconnect line a second`, async (t) => {
    const cp = await startControlPlane();
    t.after(() => cp.stop());
    const apps = await Promise.all(
      [0, 1].map(() =>
        startApp({
          script: SHOP,
          module: 'esm',
          broker: cp.mqttUrl,
          tags: ['e2e'],
          agentId: 'shop-twice',
          env: { LIVEPROBE_WORKER_START: start },
        }),
      ),
    );
    t.after(() => Promise.all(apps.map((app) => app.stop())));

    const hint =
      "the broker keeps closing this agent's connection within seconds of accepting it: another process is likely connected with the same agent id, shop-twice (a broker keeps one connection per client id); give each process its own LIVEPROBE_AGENT_ID; retrying every second";
    await waitFor(() => apps.every((app) => count(app.output(), hint) === 1), 30_000, 'both told');
    for (const app of apps) {
      const output = app.output();
      assert.equal(/the agent's worker starts with the first action/.test(output), start === 'first-action', `said by ${link}`);
      assert.ok(count(output, /lost the broker/) <= 1, output);
      assert.ok(count(output, /reconnected to/) <= 1, output);
    }
  });
}
