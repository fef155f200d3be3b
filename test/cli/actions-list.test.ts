/** `liveprobe actions` stays a readable table when one agent's refusal is a paragraph long. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { startControlPlane } from '@liveprobe/control-plane';
import { topics, type AgentEvent } from '@liveprobe/protocol';
import { cli, tempDir, waitFor } from '../helpers/index.js';

test('a long summary is cut in the table, with a note saying where the whole of it is', async (t) => {
  const dir = await tempDir('liveprobe-cp-');
  t.after(() => dir.remove());
  const controlPlane = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path });
  t.after(() => controlPlane.close());
  const created = await fetch(`${controlPlane.url}/api/v1/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'log', file: 'src/server.ts', line: 500, template: 'x', agents: ['shop-1'] }),
  });
  const { id } = ((await created.json()) as { action: { id: string } }).action;
  const refusal = `line 500 of /srv/shop/src/server.ts has no code in /srv/shop/dist/server.js (per its source map): it is past the last statement, or the compiler dropped it`;
  const status: AgentEvent = {
    kind: 'action_status',
    agentId: 'shop-1',
    time: new Date().toISOString(),
    actionId: id,
    state: 'error',
    message: refusal,
  };
  const client = await mqtt.connectAsync(controlPlane.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0 });
  try {
    await client.publishAsync(topics().agentEvents('shop-1'), JSON.stringify(status), { qos: 1 });
  } finally {
    await client.endAsync();
  }
  await waitFor(
    async () => ((await (await fetch(`${controlPlane.url}/api/v1/actions/${id}`)).json()) as { statuses: unknown[] }).statuses.length > 0,
    5000,
    'the refusal to reach the action',
  );

  const listed = await cli(['actions'], { server: controlPlane.url });
  assert.equal(listed.code, 0, listed.stderr);
  const [header, row, note] = listed.stdout.trimEnd().split('\n');
  assert.match(row ?? '', new RegExp(`^${id}\\s+log\\s+src/server\\.ts:500\\s+agent:shop-1\\s+active: \\S.*…\\s+0\\s+in \\d+m$`));
  assert.ok((row ?? '').length < 180, `the row is ${row?.length} characters: ${row}`);
  assert.equal((header ?? '').indexOf('HITS'), (row ?? '').search(/ 0 +in \d+m$/) + 1, 'HITS heads the hits column');
  assert.equal(note, '(a summary cut short with … is whole in: liveprobe actions show <id>)');

  const shown = await cli(['actions', 'show', id], { server: controlPlane.url });
  assert.ok(shown.stdout.includes(refusal), shown.stdout);
});
