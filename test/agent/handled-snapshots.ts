// The snapshots that the apps of test/fixtures/handled-errors whose framework is not an HTTP
// router (graphql-js, BullMQ, a Next.js stand-in) give for the same two errors.
import assert from 'node:assert/strict';
import type { ObservedList } from '@liveprobe/harness';
import type { SnapshotEvent } from '@liveprobe/protocol';
import { lineOf } from '../helpers/index.js';
import { find } from './snapshot-events.js';

const WAIT = 15_000;
const STOCK = 'test/fixtures/handled-errors/stock.cjs';

/**
 * stock.cjs's OutOfStockError for 5 of sku-1, captured at its throw site with the caller at
 * `<prefix>-call-reserve` in `app`; and the LedgerError for customer lin that `app`'s async
 * function rejects with at `<prefix>-throw-settle`, its secret local redacted.
 */
export async function assertReservedAndSettled(
  snapshots: ObservedList<SnapshotEvent>,
  actionId: string,
  app: string,
  prefix: string,
): Promise<void> {
  const { snapshot: reserved } = await snapshots.waitFor(
    (e) => e.actionId === actionId && e.snapshot.location.line === lineOf(STOCK, 'throw-stock'),
    WAIT,
    'the OutOfStockError snapshot',
  );
  assert.deepEqual(reserved.exception, { type: 'OutOfStockError', message: 'only 0 of sku-1 left, 5 wanted', causes: [] });
  assert.deepEqual(find(reserved.arguments, 'wanted'), { t: 'number', v: 5 });
  assert.equal(reserved.frames?.[0]?.location.line, lineOf(app, `${prefix}-call-reserve`));
  assert.equal(find(reserved.frames![0]!.locals, 'basket').t, 'object');

  const { snapshot: settled } = await snapshots.waitFor(
    (e) => e.actionId === actionId && e.snapshot.location.line === lineOf(app, `${prefix}-throw-settle`),
    WAIT,
    'the LedgerError snapshot',
  );
  // No `rejection`: the framework handled it, so it is not an unhandled rejection.
  assert.deepEqual(settled.exception, { type: 'LedgerError', message: 'ledger lin is overdrawn', causes: [] });
  assert.equal(find(settled.locals, 'ledger').t, 'object');
  assert.deepEqual(find(settled.locals, 'apiKey'), { t: 'redacted' }, 'secrets redacted');
}

/**
 * Every snapshot so far, each as `shown` gives it, sorted, once the snapshot of the apps' last
 * error (sku-2's) is in: snapshots come in any order, and that one's arrival means the others'.
 */
export async function shownOnceLastIsIn(
  snapshots: ObservedList<SnapshotEvent>,
  shown: (event: SnapshotEvent) => string | undefined = (e) => e.snapshot.exception?.message,
): Promise<(string | undefined)[]> {
  await snapshots.waitFor((e) => e.snapshot.exception?.message === 'only 4 of sku-2 left, 9 wanted', WAIT, 'the last snapshot');
  return snapshots.items().map(shown).sort();
}
