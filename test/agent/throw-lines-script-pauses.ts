// A throw line's runs while an exception action pauses at every error and another action waits
// for a file not loaded: V8 pauses before each new script then, and the exception watch's session
// is told of that pause as of any (reason `other`). A run taken for V8's run at the last throw,
// left marked until then, made that pause read as its hit: the line's next hit counted twice, its
// throw's run as a hit whose false muted the error's pause (the error was not captured). Run on
// the tests' Node (throw-lines.test.ts) and on Node 22 and 24 (test/node-versions/agent.test.ts).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane, installed, isStatus } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 20_000;
const APP = 'test/fixtures/throw-lines.cjs';

export async function throwLinesAcrossScriptPauses(t: TestContext, node?: string): Promise<void> {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const outputs = (id: string) =>
    events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id)
      .map((e) => e.data as OutputEvent);
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs', ...(node === undefined ? {} : { node }) });
  const explodeLog = (
    await addAction(cp, {
      type: 'log',
      file: 'throw-lines.cjs',
      line: lineOf(APP, 'throw-explode'),
      template: 'explode {who}',
      tags: ['e2e'],
    })
  ).action.id;
  const exception = (await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 60 })).action.id;
  // A file on disk that the app never loads: V8 pauses before each new script while it waits.
  const unloaded = 'test/fixtures/compile-function/total.cjs';
  const waiting = (
    await addAction(cp, { type: 'log', file: unloaded, line: lineOf(unloaded, 'compiled-call'), template: 'x', tags: ['e2e'] })
  ).action.id;
  for (const id of [explodeLog, exception]) assert.match(await installed(cp, id), /^installed: breakpoint/);
  await events.waitFor(isStatus(waiting, 'pending'), WAIT, 'the action waiting for its file');
  for (const who of ['bo', 'cy', 'di']) {
    assert.equal(await (await fetch(`${shop.url}/explode?who=${who}`)).text(), `reported: exploded for ${who}`);
    await snapshots.waitFor(
      (e) => e.actionId === exception && e.snapshot.exception?.message === `exploded for ${who}`,
      WAIT,
      `the exception snapshot of ${who}'s error`,
    );
    // The pause before this script comes after the throw line's last run, before its next.
    assert.equal(await (await fetch(`${shop.url}/script`)).text(), '1');
  }
  await waitFor(() => outputs(explodeLog).length >= 3, WAIT, 'the log lines');
  // A last error through the same line: a second print of the others would be in by then.
  assert.equal(await (await fetch(`${shop.url}/explode?who=ed`)).text(), 'reported: exploded for ed');
  await snapshots.waitFor((e) => e.actionId === exception && e.snapshot.exception?.message === 'exploded for ed', WAIT, "ed's error");
  await waitFor(() => outputs(explodeLog).length >= 4, WAIT, 'the last log line');
  assert.deepEqual(
    outputs(explodeLog).map((o) => o.message),
    ['explode bo', 'explode cy', 'explode di', 'explode ed'],
  );
}
