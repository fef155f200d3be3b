/**
 * A snapshot's watches are read before the arguments, locals and scopes it captures on its own
 * (main/snapshot-capture.ts): at a line whose arguments are bigger than the byte budget (a
 * request, a resolver's context), the fields a user names with `--watch` still arrive whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { lineOf } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/big-arguments.mjs';
const LINE = lineOf(APP, 'big-arguments');

for (const [how, env, where] of [
  ['on a breakpoint', {}, /^installed: breakpoint/],
  ['on a prepared site', { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' }, /^installed: prepared site/],
] as const) {
  test(`${how}, watches arrive whole though the arguments fill the snapshot's byte budget`, async (t) => {
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const service = await app(t, { script: APP, broker: cp.mqttUrl, env });
    const { action } = await addAction(cp, {
      type: 'snapshot',
      file: APP,
      line: LINE,
      watches: ['sku', 'req.headers["x-tenant"]', 'context.catalog.sku3.f1', 'context.user'],
      tags: ['e2e'],
    });
    assert.match(await installed(cp, action.id), where);
    const response = await fetch(`${service.url}/?sku=sku3`, { headers: { 'x-tenant': 'acme' } });
    assert.equal(await response.text(), '245');
    const { snapshot } = await snapshots.waitFor((s) => s.actionId === action.id, WAIT, 'the snapshot');
    assert.equal(snapshot.truncated, true, 'the arguments alone are over the budget');
    assert.deepEqual(snapshot.watches, [
      { expression: 'sku', value: { t: 'string', v: 'sku3' } },
      { expression: 'req.headers["x-tenant"]', value: { t: 'string', v: 'acme' } },
      { expression: 'context.catalog.sku3.f1', value: { t: 'string', v: `0061 ${'x'.repeat(240)}` } },
      { expression: 'context.user', value: { t: 'string', v: 'u1' } },
    ]);
  });
}
