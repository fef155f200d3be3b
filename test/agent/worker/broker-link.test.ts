// What the agent says when the broker keeps closing its connection (real apps with the agent, on
// the control plane's embedded broker). Over MQTT 3.1.1, which the agent speaks, a broker gives no
// reason: aedes closes the connection both when it refuses a publish and when another client
// connects with the same client id (Mosquitto does the latter too, and drops a refused publish
// silently); the agent tells the two apart by when the close comes.
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { startControlPlane as startEmbedded } from '@liveprobe/control-plane';
import { startApp, startControlPlane, tempDir, waitFor } from '../../helpers/index.js';
import { SHOP } from '../fixtures.js';

const count = (text: string, part: string | RegExp) => text.split(part).length - 1;

/**
 * A TCP relay in front of the broker that counts the connections through it: the agent's
 * reconnects, which the control plane does not log (an agent it never saw online is not
 * announced offline at each close).
 */
async function countingRelay(t: TestContext, broker: URL): Promise<{ port: number; connections: () => number }> {
  // Read now: the caller points its URL at the relay next.
  const [port, host] = [Number(broker.port), broker.hostname];
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections++;
    const upstream = connect(port, host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

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
    const relay = await countingRelay(t, broker);
    broker.port = String(relay.port);
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

    // Six connections are five closes.
    await waitFor(() => relay.connections() >= 6, 20_000, 'six connections');
    assert.equal(count(brokerLog.join('\n'), 'agent shop-tags offline'), 0, 'never online, so never announced offline');
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

  test(`${link}: an agent without an agent token is told what the broker wants`, async (t) => {
    const dir = await tempDir('liveprobe-no-token-');
    t.after(() => dir.remove());
    const cp = await startEmbedded({ port: 0, mqttPort: 0, dataDir: dir.path, auth: { mode: 'tokens' }, log: () => {} });
    t.after(() => cp.close());
    const broker = new URL(cp.mqttUrl);
    broker.username = '';
    broker.password = '';
    const app = await startApp({
      script: SHOP,
      module: 'esm',
      broker: broker.href,
      tags: ['checkout'],
      env: { LIVEPROBE_WORKER_START: start },
    });
    t.after(() => app.stop());
    await waitFor(
      () =>
        app
          .output()
          .includes(
            'Connection refused: Bad username or password: the broker wants an agent token: LIVEPROBE_BROKER_URL=mqtt://<name>:<agent token>@host:port (liveprobe token create --role agent)',
          ),
      30_000,
      'the refusal and what to do',
    );
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
