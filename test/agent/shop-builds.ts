// The example shop as a user's project builds it with webpack or swc (webpack-output.test.ts,
// swc-output.test.ts): its TypeScript copied into a project folder of its own, built there, and run
// with the agent; what a user then sees of an action on a line of the TypeScript.
import assert from 'node:assert/strict';
import { cp as copy, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ActionInput, SnapshotEvent } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents, tempDir, type SseEvent, type SseStream } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

export const WAIT = 15_000;
export const INVENTORY_TS = 'examples/shop/src/inventory.ts';
export const SERVER_TS = 'examples/shop/src/server.ts';
/** `product.stock -= quantity;` in `Inventory.reserve`. */
export const RESERVE = lineOf(INVENTORY_TS, 'reserve');
/** `inventory.reserve(line.sku, line.quantity);` in the async `checkout`, the caller. */
export const RESERVE_LOOP = lineOf(SERVER_TS, 'reserve-loop');

/**
 * A project folder with the shop's TypeScript in `src/` and a scoped package name (webpack's
 * namespace in its source URLs then holds a `/`: `webpack://@acme/shop/./src/…`).
 */
export async function shopProject(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-shop-build-');
  t.after(() => dir.remove());
  await copy(fromRoot('examples/shop/src'), join(dir.path, 'src'), { recursive: true });
  await writeFile(join(dir.path, 'package.json'), `${JSON.stringify({ name: '@acme/shop', private: true })}\n`);
  return dir.path;
}

type StatusData = { actionId: string; state: string; message?: string; location?: { file: string; line: number } };

/** An action as the user writes it; the tests' agents are all tagged `e2e`. */
type Untagged = ActionInput extends infer A ? (A extends unknown ? Omit<A, 'tags'> : never) : never;

export interface Running {
  url: string;
  events: SseStream;
  snapshots: Awaited<ReturnType<typeof snapshotsOnBroker>>;
  add(action: Untagged): Promise<string>;
  /** The action's first status in `state`. */
  status(actionId: string, state: string): Promise<StatusData>;
  /** The message of the action's first output. */
  output(actionId: string): Promise<string>;
  snapshot(actionId: string): Promise<SnapshotEvent['snapshot']>;
  checkout(quantity: number): Promise<unknown>;
}

/** The built script run with the agent (`--import @liveprobe/agent/register`), with a control plane. */
/** `env`: the app's own settings, beside the agent's. */
export async function runWithAgent(t: TestContext, script: string, env: Record<string, string> = {}): Promise<Running> {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const shop = await app(t, { script, broker: cp.mqttUrl, env });
  return {
    url: shop.url,
    events,
    snapshots,
    add: async (action) => (await addAction(cp, { ...action, tags: ['e2e'] } as ActionInput)).action.id,
    status: async (actionId, state) =>
      (
        await events.waitFor(
          (e: SseEvent) =>
            e.event === 'action_status' && (e.data as StatusData).actionId === actionId && (e.data as StatusData).state === state,
          WAIT,
          `${actionId} ${state}`,
        )
      ).data as StatusData,
    output: async (actionId) =>
      (
        (
          await events.waitFor(
            (e: SseEvent) => e.event === 'output' && (e.data as { actionId: string }).actionId === actionId,
            WAIT,
            `${actionId} output`,
          )
        ).data as { message: string }
      ).message,
    snapshot: async (actionId) => (await snapshots.waitFor((e) => e.actionId === actionId, WAIT, `${actionId} snapshot`)).snapshot,
    checkout: async (quantity) => {
      const response = await checkout(shop.url, 'u1', quantity);
      assert.equal(response.status, 200);
      return response.json();
    },
  };
}

/**
 * A log, a snapshot and a counter on `src/inventory.ts`'s reserve line, as a user adds them:
 * each installed there (on the project's own file), the log's value, the counter's hit, and a
 * snapshot whose stack names the TypeScript file, line and function of `reserve` and its caller.
 */
export async function assertProbed(
  running: Running,
  project: string,
  options: { line?: number; where?: RegExp; argumentNames?: string[] } = {},
): Promise<void> {
  const line = options.line ?? RESERVE;
  const log = await running.add({ type: 'log', file: 'src/inventory.ts', line, template: 'reserving {quantity} x {sku}' });
  const snapshot = await running.add({ type: 'snapshot', file: 'src/inventory.ts', line });
  const counter = await running.add({ type: 'counter', file: 'src/inventory.ts', line, name: 'shop.reserve' });
  for (const id of [log, snapshot, counter]) {
    const installed = await running.status(id, 'installed');
    assert.deepEqual(installed.location, { file: join(project, 'src/inventory.ts'), line });
    assert.match(installed.message ?? '', options.where ?? /^breakpoint/);
  }
  await running.checkout(3);
  assert.equal(await running.output(log), 'reserving 3 x tea');
  const s = await running.snapshot(snapshot);
  assert.deepEqual(s.location, { file: join(project, 'src/inventory.ts'), line, function: 'reserve' });
  assert.deepEqual(
    s.arguments.map((a) => a.name),
    options.argumentNames ?? ['sku', 'quantity'],
  );
  assert.deepEqual(
    s.stack.slice(0, 2).map((f) => [f.function, f.file, f.line]),
    [
      ['reserve', join(project, 'src/inventory.ts'), line],
      ['checkout', join(project, 'src/server.ts'), RESERVE_LOOP],
    ],
  );
  assert.match(await running.output(counter), /shop\.reserve/);
}
