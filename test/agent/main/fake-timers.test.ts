/**
 * An app that installs fake timers for good (a fake-timer library never advanced) still gets its
 * actions: the agent's main-thread bookkeeping (the hit batch's flush, its clock, the idle link's
 * timers) runs on the timers and clock Node had when the agent loaded, not on the app's globals.
 * Both install paths: a breakpoint, and a prepared site.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, otlpReceiver, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, installed } from '../fixtures.js';

const SERVICE = 'test/fixtures/fake-timers-service.mjs';
const WORK_LINE = lineOf(SERVICE, 'work');

const PATHS = {
  breakpoint: {},
  'prepared site': { LIVEPROBE_PREPARE: fromRoot(SERVICE), LIVEPROBE_PREPARE_CACHE: 'off' },
} as const;

for (const [path, env] of Object.entries(PATHS)) {
  test(`with the app's timers and Date faked for good, a log action (${path}) delivers each hit`, async (t) => {
    const cp = await controlPlane(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    const agentId = `fake-timers-${path.replace(' ', '-')}`;
    const service = await app(t, {
      script: SERVICE,
      broker: cp.mqttUrl,
      tags: ['fake'],
      agentId,
      env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'fake-timers', ...env },
    });
    const { action } = await addAction(cp, { type: 'log', file: SERVICE, line: WORK_LINE, template: 'n {n}', tags: ['fake'] });
    assert.match(await installed(cp, action.id), /^installed/);
    for (const n of [3, 4]) assert.equal(await (await fetch(`${service.url}/work?n=${n}`)).text(), String(n * n));
    await waitFor(
      () => otlp.logRecords().filter((r) => r.body === 'n 3' || r.body === 'n 4').length === 2,
      20_000,
      'both hits as OTLP log records',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; received: ${JSON.stringify(otlp.logRecords().map((r) => r.body))}; app: ${service.output()}`);
    });
  });
}
