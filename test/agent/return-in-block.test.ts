/**
 * V8 may stop on a `return` inside a block after the block's bindings left its view of the
 * frame (`if (…) { const total = …; return total; }`, on Node 20 to 24): on a breakpoint, a log
 * placeholder then says why and what to do instead of blaming the function for not using the
 * name; returns where V8 keeps them in view print their values, and a prepared site before the
 * return sees them all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, startApp, waitFor } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/return-block-app.mjs';
const leftBlock = (name: string) =>
  `<\`${name}\` is not available on this \`return\`: V8 stops there after leaving the block that declares it; put the action on the line before the \`return\`, or prepare the file (a prepared site sees it)>`;

const LINES = [
  { marker: 'return-if', name: 'total', onBreakpoint: leftBlock('total'), value: '6' },
  { marker: 'return-loop', name: 'doubled', onBreakpoint: '4', value: '4' },
  { marker: 'return-expression', name: 'total', onBreakpoint: '6', value: '6' },
  { marker: 'return-top', name: 'total', onBreakpoint: '10', value: '10' },
];

for (const [path, env, installedAs] of [
  ['breakpoint', {}, /^breakpoint/],
  ['prepared site', { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' }, /^prepared site/],
] as const) {
  test(`on a ${path}, a return inside a block prints its block's bindings, or says V8 no longer shows them there`, async (t) => {
    const cp = await controlPlane(t);
    const service = await startApp({ script: APP, broker: cp.mqttUrl, tags: ['e2e'], module: 'esm', env });
    t.after(() => service.stop());
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const actions = [];
    for (const line of LINES) {
      const { action } = await addAction(cp, {
        type: 'log',
        file: APP,
        line: lineOf(APP, line.marker),
        template: `${line.marker} {${line.name}}`,
        tags: ['e2e'],
      });
      actions.push({ ...line, id: action.id });
    }
    for (const { id, marker } of actions) {
      await waitFor(
        async () => (await getAction(cp, id)).statuses.some((s) => s.state === 'installed' && installedAs.test(s.message ?? '')),
        WAIT,
        `${marker} installed as a ${path}`,
      );
    }
    assert.equal(await (await fetch(`${service.url}/?q=2`)).text(), '6 4 7 10', 'the app computes the same');
    for (const { id, marker, onBreakpoint, value } of actions) {
      const line = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id, WAIT, marker);
      assert.equal((line.data as OutputEvent).message, `${marker} ${path === 'breakpoint' ? onBreakpoint : value}`);
    }
  });
}
