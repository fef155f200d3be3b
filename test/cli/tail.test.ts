/**
 * `liveprobe tail` prints a status as `state: message`, as docs/actions.md writes it, and a metric
 * action's line as a metric, apart from log lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { topics, type AgentEvent, type OutputEvent } from '@liveprobe/protocol';
import { cli, lineOf, startControlPlane, tailCli } from '../helpers/index.js';
import { checkout } from '../agent/fixtures.js';
import { shopOnline } from './shop-online.js';

const SERVER_TS = 'examples/shop/src/server.ts';
const WAIT = 15_000;

test('a status line reads `status <action> on <agent>: <state>: <message>`', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const created = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'log', file: 'src/server.ts', line: 42, template: 'x', agents: ['shop-1'] }),
  });
  const { id } = ((await created.json()) as { action: { id: string } }).action;
  const tail = await tailCli([], { server: cp.url });
  t.after(() => tail.stop());
  const client = await mqtt.connectAsync(cp.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0 });
  try {
    for (const [state, message] of [
      ['installed', 'prepared site (no breakpoint)'],
      ['error', '`nosuchvar` is not available at this line'],
    ] as const) {
      const status: AgentEvent = { kind: 'action_status', agentId: 'shop-1', time: new Date().toISOString(), actionId: id, state, message };
      await client.publishAsync(topics().agentEvents('shop-1'), JSON.stringify(status), { qos: 1 });
    }
  } finally {
    await client.endAsync();
  }
  const line = (text: string) => (l: string) => l.endsWith(` status ${id} on shop-1: ${text}`);
  await tail.waitForLine(line('installed: prepared site (no breakpoint)'), 10_000, 'the installed status');
  const error = await tail.waitForLine(line('error: `nosuchvar` is not available at this line'), 10_000, 'the error status');
  assert.match(error, /^\d\d:\d\d:\d\d\.\d{3} status /);
});

test('a metric action’s line reads as a metric: METRIC, the instrument, the name, a counter’s +n as a count, a value with its unit; --json carries it as `metric`', async (t) => {
  const { shop, server } = await shopOnline(t, 'shop-metrics');
  const at = `${SERVER_TS}:${lineOf(SERVER_TS, 'checkout-return')}`;
  const counter = await cli(['counter', 'add', at, '--name', 'shop.returns', '--tag', 'e2e', '--json'], server);
  assert.equal(counter.code, 0, counter.stderr);
  const metric = await cli(
    ['metric', 'add', at, 'amount', '--name', 'shop.amount', '--unit', 'USD', '--attr', 'user=userId', '--tag', 'e2e'],
    server,
  );
  assert.equal(metric.code, 0, metric.stderr);
  const counterId = (JSON.parse(counter.stdout) as { action: { id: string } }).action.id;

  const tail = await tailCli([], server);
  t.after(() => tail.stop());
  const json = await tailCli(['--json', '--action', counterId], server);
  t.after(() => json.stop());
  assert.equal((await checkout(shop.url, 'u2')).status, 200);

  const place = String.raw`\S*examples/shop/src/server\.ts:\d+`;
  await tail.waitForLine(
    (l) => new RegExp(` METRIC shop-metrics ${place} counter shop\\.returns \\+1 hit$`).test(l),
    WAIT,
    'the counter line',
  );
  await tail.waitForLine(
    (l) => new RegExp(` METRIC shop-metrics ${place} histogram shop\\.amount = \\d+(\\.\\d+)? USD \\(user=u2\\)$`).test(l),
    WAIT,
    'the metric line',
  );
  const event = JSON.parse(await json.waitForLine((l) => l.includes('"kind":"output"'), WAIT, 'the counter as JSON')) as OutputEvent;
  assert.deepEqual(event.metric, { type: 'counter', name: 'shop.returns', value: 1, instrument: 'counter', unit: '{hit}' });
  assert.equal(event.hits, 1);
});
