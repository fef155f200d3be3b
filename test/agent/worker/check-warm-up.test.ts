// With the session open from start-up, the worker compiles the desired-state check (and keeps its
// code cache) before any action arrives (worker/worker.ts, desired-state-checker.ts): the first
// install then compiles it from the cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane } from '../fixtures.js';

const WAIT = 15_000;
const FILE = 'test/fixtures/first-module.mjs';
const WARMED = 'desired-state check compiled ahead of the first action';

test('with the session open from start-up, the desired-state check is compiled before the first action, which then installs and logs', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: FILE,
    broker: cp.mqttUrl,
    env: { LIVEPROBE_LOG_LEVEL: 'debug', LIVEPROBE_INSPECTOR_SESSION: 'startup' },
  });
  await waitFor(() => service.output().includes(WARMED), WAIT, 'the worker to compile the check with no action yet');
  const template = 'served={served}';
  const { action } = await addAction(cp, { type: 'log', file: FILE, line: lineOf(FILE, 'handler'), template, tags: ['e2e'] });
  await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as ActionStatusEvent).actionId === action.id &&
      (e.data as ActionStatusEvent).state === 'installed',
    WAIT,
    'the action installed',
  );
  const served = await (await fetch(service.url)).text();
  await events.waitFor(
    (e) => e.event === 'output' && (e.data as { message: string }).message === `served=${served}`,
    WAIT,
    "the action's line",
  );
  assert.equal(service.output().split(WARMED).length - 1, 1, `compiled ahead once:\n${service.output()}`);
});
