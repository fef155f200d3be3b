// A log action on a function the app ran warm before any action (test/fixtures/hot-function.mjs),
// with the agent's inspector session open from start-up: shared by the Node 20 test beside the
// setting (settings/baseline-compiler.test.ts) and the Node 22 and 24 ones (test/node-versions).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, type App } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';

export const HOT_FUNCTION = 'test/fixtures/hot-function.mjs';
/** V8's trace line when it queues `total` for baseline (Sparkplug) code. */
export const BASELINE_TRACE = 'Enqueued SFI total ';
const WAIT = 20_000;

/**
 * The fixture with LIVEPROBE_INSPECTOR_SESSION=startup and `env`, a log action on `total`'s line
 * installed and one request served: resolves with the app once the request's line arrived.
 */
export async function logOnWarmFunction(t: TestContext, env: Record<string, string>, node?: string): Promise<App> {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: HOT_FUNCTION,
    broker: cp.mqttUrl,
    ...(node === undefined ? {} : { node }),
    env: { LIVEPROBE_INSPECTOR_SESSION: 'startup', ...env },
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: HOT_FUNCTION,
    line: lineOf(HOT_FUNCTION, 'total'),
    template: 'sum {sum}',
    tags: ['e2e'],
  });
  assert.match(await installed(cp, action.id), /^installed: breakpoint/);
  const sum = await (await fetch(service.url)).text();
  await events.waitFor(
    (e) => e.event === 'output' && (e.data as OutputEvent).message === `sum ${sum}`,
    WAIT,
    "the request's line from the warm function",
  );
  return service;
}
