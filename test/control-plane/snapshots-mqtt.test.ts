import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotRecord, SnapshotSummary } from '@liveprobe/protocol';
import { startControlPlane } from '@liveprobe/control-plane';
import { cli, tailCli, tempDir, waitFor } from '../helpers/index.js';
import { publishSnapshot, snapshotEvent } from '../fixtures/snapshot-event.js';

test('a snapshot an agent publishes through the embedded broker is stored, announced to `liveprobe tail`, and shown by the CLI', async (t) => {
  const dir = await tempDir('liveprobe-cp-');
  t.after(() => dir.remove());
  const controlPlane = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path });
  t.after(() => controlPlane.close());
  const tail = await tailCli([], { server: controlPlane.url });
  t.after(() => tail.stop());

  // The control plane stores a snapshot only for an action that targets the agent that sent it.
  const created = await fetch(`${controlPlane.url}/api/v1/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'snapshot', file: 'examples/shop/server.js', line: 37, agents: ['shop-1'] }),
  });
  const actionId = ((await created.json()) as { action: { id: string } }).action.id;
  const event = snapshotEvent({ id: 'snp_mqtt', actionId, agentId: 'shop-1' });
  await publishSnapshot(controlPlane.mqttUrl, event);

  const listed = await waitFor(
    async () => {
      const { snapshots } = (await (await fetch(`${controlPlane.url}/api/v1/snapshots?action=${actionId}`)).json()) as {
        snapshots: SnapshotSummary[];
      };
      return snapshots.find((s) => s.id === 'snp_mqtt');
    },
    5000,
    'the snapshot to be listed',
  );
  assert.equal(listed.stallMs, 0.42);
  const full = (await (await fetch(`${controlPlane.url}/api/v1/snapshots/snp_mqtt`)).json()) as SnapshotRecord;
  assert.deepEqual(full.snapshot, event.snapshot);

  await tail.waitForLine(
    (line) =>
      line.endsWith(
        ` snapshot snp_mqtt on shop-1 at /srv/shop/examples/shop/server.js:37 for ${actionId}; see it with: liveprobe snapshots show snp_mqtt`,
      ),
    5000,
    'the snapshot notice',
  );

  const table = await cli(['snapshots'], { server: controlPlane.url });
  assert.equal(table.code, 0, table.stderr);
  const [header, row] = table.stdout.trimEnd().split('\n');
  assert.match(header ?? '', /^ID\s+ACTION\s+AGENT\s+CAPTURED\s+STALL\s+TRUNCATED\s+LOCATION$/);
  assert.match(
    row ?? '',
    /^snp_mqtt\s+act_[0-9a-z]{10}\s+shop-1\s+\S.*\s+0\.42 ms\s+yes\s+\/srv\/shop\/examples\/shop\/server\.js:37 \(checkout\)$/,
  );

  const shown = await cli(['snapshots', 'show', 'snp_mqtt'], { server: controlPlane.url });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^location {2}\/srv\/shop\/examples\/shop\/server\.js:37 in checkout$/m);
  assert.match(shown.stdout, /^stack\n {2}checkout {5}\/srv\/shop\/examples\/shop\/server\.js:37:3$/m);
  assert.match(shown.stdout, /^ {2}user = Object\n {4}id = "u1"\n {4}name = "Ada"\n {4}email = \[REDACTED\]\n {4}profile = \[Getter\]$/m);
  assert.match(shown.stdout, /^watches\n {2}user\.name = "Ada"\n {2}order\.id {2}! order is not available at this line$/m);
});
