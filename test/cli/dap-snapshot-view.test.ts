// How `liveprobe dap` shows a captured snapshot in the editor's Variables view
// (cli/src/dap/snapshot-view.ts): a scope whose names were not all read says so in the words
// `liveprobe snapshots show` and the portal use, with the editor's way to read one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSnapshot } from '../../cli/src/format/snapshot.js';
import { SnapshotView } from '../../cli/src/dap/snapshot-view.js';
import { snapshotEvent } from '../fixtures/snapshot-event.js';

test("a bundle's module scope ends with the note every viewer writes: how many names were not read and how to read one", () => {
  const { kind: _, ...record } = snapshotEvent({ id: 'snp_bundle' });
  record.snapshot.scopes = [{ kind: 'module', variables: [{ name: 'TAX_RATE', value: { t: 'number', v: 0.2 } }], leftOut: 1302 }];
  const view = new SnapshotView({});
  const thread = view.add(record);
  const frameId = view.stackTrace(thread)[0]?.id as number;
  const module = view.scopes(frameId).find((scope) => scope.name === 'Module');
  assert.ok(module !== undefined, 'the module scope is shown under its own name');
  const rows = view.variables(module.variablesReference);
  assert.deepEqual(
    rows.map((row) => [row.name, row.value]),
    [
      ['TAX_RATE', '0.2'],
      [
        '…',
        '1,302 more names the code here does not use, not read: a watch expression of the snapshot action reads one on a breakpoint (a prepared site has only what the function uses)',
      ],
    ],
  );
  const cli = formatSnapshot(record, new Date(record.time)).find((line) => line.includes('not read')) ?? '';
  assert.equal(cli.replace('`--watch <name>`', 'a watch expression of the snapshot action'), `  … ${rows[1]?.value}`);
});
