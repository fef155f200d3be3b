/**
 * What a user reads on a prepared site is what a breakpoint gives (issue 23): module-level
 * `let` state used by a hoisted function (the demo's `nextOrderId`), and a snapshot's stack,
 * starting at the probed line and mapped to the TypeScript source. The demo app runs twice, on
 * one control plane: prepared, and unprepared (breakpoints).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import type { OutputEvent, SnapshotEvent } from '@liveprobe/protocol';
import { ObservedList, fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents } from '../../../helpers/index.js';
import { addAction, app, checkout, controlPlane, installed } from '../../fixtures.js';

const WAIT = 15_000;
const SOURCE = 'examples/shop/src/server.ts';

test('on a prepared site as on a breakpoint: module state read from a hoisted function, and a snapshot stack from the probed line', async (t) => {
  const cp = await controlPlane(t);
  const prepared = await app(t, {
    script: 'examples/shop/dist/server.js',
    broker: cp.mqttUrl,
    agentId: 'state-prepared',
    tags: ['prepared'],
    env: { LIVEPROBE_PREPARE: `${fromRoot('examples/shop/dist')}/**`, LIVEPROBE_PREPARE_CACHE: 'off' },
  });
  const plain = await app(t, { script: 'examples/shop/dist/server.js', broker: cp.mqttUrl, agentId: 'state-plain', tags: ['plain'] });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const client = await mqtt.connectAsync(cp.mqttUrl);
  t.after(() => client.endAsync());
  const snapshots = new ObservedList<SnapshotEvent>();
  client.on('message', (_topic, payload) => {
    const event = JSON.parse(payload.toString()) as { kind: string };
    if (event.kind === 'snapshot') snapshots.push(event as SnapshotEvent);
  });
  await client.subscribeAsync('liveprobe/v1/agents/+/events', { qos: 1 });

  const line = lineOf(SOURCE, 'order-created');
  const stacks: Record<string, SnapshotEvent['snapshot']['stack']> = {};
  for (const [tag, shop, path] of [
    ['prepared', prepared, 'prepared site (no breakpoint)'],
    ['plain', plain, 'breakpoint'],
  ] as const) {
    const log = await addAction(cp, { type: 'log', file: SOURCE, line, template: 'order {nextOrderId} for {userId}', tags: [tag] });
    const snap = await addAction(cp, { type: 'snapshot', file: SOURCE, line, tags: [tag] });
    assert.equal(await installed(cp, log.action.id), `installed: ${path}`);
    assert.equal(await installed(cp, snap.action.id), `installed: ${path}`);
    const order = (await (await checkout(shop.url)).json()) as { id: number };
    // The site runs before the line: `nextOrderId` is the id this order is about to take.
    await events.waitFor(
      (e) =>
        e.event === 'output' &&
        (e.data as OutputEvent).actionId === log.action.id &&
        (e.data as OutputEvent).message === `order ${order.id} for u1`,
      WAIT,
      `${tag}: the module-level let read on the line`,
    );
    const event = await snapshots.waitFor((s) => s.actionId === snap.action.id, WAIT, `${tag}: the snapshot`);
    stacks[tag] = event.snapshot.stack;
  }
  const top = stacks.prepared![0]!;
  assert.match(top.file, /examples\/shop\/src\/server\.ts$/, JSON.stringify(stacks.prepared));
  assert.equal(top.line, line, 'the stack starts at the probed line');
  assert.match(top.function, /checkout/);
  const shape = (stack: SnapshotEvent['snapshot']['stack']) => stack.map((f) => `${f.function} ${f.file}:${f.line}`);
  assert.deepEqual(shape(stacks.prepared!), shape(stacks.plain!), 'both paths give the same stack');
});
