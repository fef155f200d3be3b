/**
 * A `let`, `const` or `class` declared below the probed line is in its temporal dead zone
 * there: a log placeholder says it is not initialised yet (V8 alone would print `undefined`),
 * on a breakpoint and on a prepared site alike; a hoisted `var` still reads `undefined`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, startApp, waitFor } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/tdz-app.mjs';
const notYet = (name: string) => `<\`${name}\` is not initialised yet at this line: it is declared further down (a let, const or class)>`;

for (const [path, env, installedAs] of [
  ['breakpoint', {}, /^breakpoint/],
  ['prepared site', { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' }, /^prepared site/],
] as const) {
  test(`on a ${path}, a const, let or class below the line reads as not initialised yet, not undefined`, async (t) => {
    const cp = await controlPlane(t);
    const service = await startApp({ script: APP, broker: cp.mqttUrl, tags: ['e2e'], module: 'esm', env });
    t.after(() => service.stop());
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const { action } = await addAction(cp, {
      type: 'log',
      file: APP,
      line: lineOf(APP, 'tdz-line'),
      template: 'q={quantity} unit={unit} total={total} receipt={Receipt} hoisted={hoisted}',
      tags: ['e2e'],
    });
    await waitFor(
      async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed' && installedAs.test(s.message ?? '')),
      WAIT,
      `installed as a ${path}`,
    );
    assert.equal(await (await fetch(`${service.url}/?q=4`)).text(), '12 object', 'the app computes the same');
    const line = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id, WAIT, 'the line');
    assert.equal(
      (line.data as OutputEvent).message,
      `q=4 unit=${notYet('unit')} total=${notYet('total')} receipt=${notYet('Receipt')} hoisted=undefined`,
    );
  });
}
