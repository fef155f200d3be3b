// Actions on `throw` lines while the exception action watches uncaught errors only (over its
// budget of caught ones, for its cooldown): V8 up to Node 22's runs a throw line's conditions
// again at uncaught throws only, Node 24's mutes the throw's pause where they were false. Each
// used to cost the uncaught error's snapshot (the conditions' false muted its pause), and on
// Node 20 and 22 a log there printed twice. Run on the tests' Node (throw-lines.test.ts) and on
// Node 22 and 24 (test/node-versions/agent.test.ts).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 20_000;
const APP = 'test/fixtures/throw-lines.cjs';

export async function throwLinesInCooldown(t: TestContext, node?: string): Promise<void> {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs', ...(node === undefined ? {} : { node }) });
  const on = (marker: string) => ({ file: 'throw-lines.cjs', line: lineOf(APP, marker), tags: ['e2e'] });
  const explodeLog = (await addAction(cp, { type: 'log', ...on('throw-explode'), template: 'explode {who}' })).action.id;
  const builtLog = (await addAction(cp, { type: 'log', ...on('throw-built'), template: 'built {n}' })).action.id;
  const exception = (await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 60 })).action.id;
  for (const id of [explodeLog, builtLog, exception]) assert.match(await installed(cp, id), /^installed: breakpoint/);
  const outputs = (id: string) =>
    events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id)
      .map((e) => (e.data as OutputEvent).message);

  // More caught errors in a second than the app's budget: uncaught ones only, for a cooldown.
  assert.equal(await (await fetch(`${shop.url}/retry?times=100`)).text(), 'reported: attempt 99 failed');
  await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string }).actionId === exception &&
      /^watching uncaught errors only/.test((e.data as { message?: string }).message ?? ''),
    WAIT,
    'the cooldown',
  );
  for (const who of ['bo', 'cy'])
    assert.equal(await (await fetch(`${shop.url}/explode?who=${who}`)).text(), `reported: exploded for ${who}`);
  for (const who of ['bo', 'cy'])
    await snapshots.waitFor(
      (e) => e.actionId === exception && e.snapshot.exception?.message === `exploded for ${who}`,
      WAIT,
      `the exception snapshot of ${who}'s uncaught error`,
    );
  // A last line through the same hook: once it is in, a second print of the others would be too.
  assert.equal(await (await fetch(`${shop.url}/build?n=3`)).text(), 'reported: built 3');
  await waitFor(() => outputs(builtLog).length >= 1 && outputs(explodeLog).length >= 2, WAIT, 'the log lines');
  assert.deepEqual(outputs(explodeLog), ['explode bo', 'explode cy'], 'once a run, not again at the uncaught throw');
  assert.deepEqual(outputs(builtLog), ['built 3']);
}
