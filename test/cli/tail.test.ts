/** `liveprobe tail` prints a status as `state: message`, as docs/actions.md writes it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { topics, type AgentEvent } from '@liveprobe/protocol';
import { startControlPlane, tailCli } from '../helpers/index.js';

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
