/**
 * A snapshot shows a caught error's stack (main/safe-read.ts errorStack, main/stack-formatter.ts):
 * Node 20.20, 22 and 24 set an `Error.prepareStackTrace` of their own before any app code, and the
 * agent wraps it when files are prepared; neither runs the app's code, so the stack is read. Only a
 * formatter the app set itself is never run, and the snapshot says why the stack is missing.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { CapturedValue } from '@liveprobe/protocol';
import { lineOf } from '../../helpers/index.js';
import { addAction, app, controlPlane, installed } from '../fixtures.js';
import { find, snapshotsOnBroker } from '../snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/error-stack.cjs';

/** The caught error as a snapshot on its catch block's line shows it, and the app's own answer for `/formatted`. */
async function caughtError(t: TestContext, env: Record<string, string>, path: RegExp) {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const service = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs', env });
  const { action } = await addAction(cp, { type: 'snapshot', file: 'error-stack.cjs', line: lineOf(APP, 'caught-error'), tags: ['e2e'] });
  assert.match(await installed(cp, action.id), path);
  assert.match(await (await fetch(`${service.url}/order?body=%7Bnope`)).text(), /"invalid":true/);
  const { snapshot } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot');
  const error = find(snapshot.locals, 'err') as Extract<CapturedValue, { t: 'error' }>;
  assert.equal(error.t, 'error');
  assert.equal(error.cls, 'SyntaxError');
  return { stack: error.stack ?? '', formatted: await (await fetch(`${service.url}/formatted`)).text() };
}

for (const [how, env, path] of [
  ['on a breakpoint', {}, /^installed: breakpoint/],
  ['on a prepared site (the agent wraps the formatter)', { LIVEPROBE_PREPARE: 'app' }, /^installed: prepared/],
] as const) {
  test(`a snapshot ${how} shows a caught error's stack as Node formats it`, async (t) => {
    const { stack } = await caughtError(t, env, path);
    assert.match(stack, /^SyntaxError: .*JSON/);
    assert.match(stack, /\n\s+at JSON\.parse/);
    assert.match(stack, /\n\s+at parseOrder \(.*error-stack\.cjs:16:/, 'the frame of the line that threw, as written');
  });
}

test("a snapshot never runs the app's own stack formatter: the stack says why it is missing", async (t) => {
  const { stack, formatted } = await caughtError(t, { APP_FORMATTER: '1' }, /^installed: breakpoint/);
  assert.match(stack, /Error\.prepareStackTrace is set/);
  assert.equal(formatted, '0', "the app's formatter never ran");
});
