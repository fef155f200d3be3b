// A framework bundled into a build's server chunk (Nitro's h3, SvelteKit under adapter-node)
// catches a route's error and answers it: the run both tests make of such a build, as built and
// prepared by `liveprobe prepare`, with an exception action, and what they assert of it.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TestContext } from 'node:test';
import { cli, sseEvents } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;

/** The route whose helper throws (line 4) for 5 wanted, as both builds' route chunks hold it; its handler takes an `event`. */
export const RESERVE_BODY = `class OutOfStockError extends Error {}
function reserve(sku, wanted) {
  const left = wanted > 3 ? 0 : 3 - wanted;
  if (left === 0) throw new OutOfStockError('out of ' + sku + ': wanted ' + wanted);
  return { sku, left };
}
`;

/** A route's body that throws and swallows its own error. */
export const SWALLOW_BODY = `  try {
    JSON.parse('{not json');
  } catch {
    return { swallowed: true };
  }
`;

/** A build's file, with its folders. */
export async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

export interface BuiltApp {
  /** The folder `liveprobe prepare` is given. */
  folder: string;
  entry: string;
  /** Files `liveprobe prepare` prepares there. */
  files: number;
  /** The 500 answer's body, as the framework writes it. */
  answer: string;
  /** The route chunk's path, as a snapshot's location names it. */
  routeFile: RegExp;
  /** What the app's own error handler printed. */
  handlerOutput: RegExp;
}

export async function assertCaughtAndAnswered(t: TestContext, built: BuiltApp, prepared: boolean, framework: string): Promise<void> {
  if (prepared) {
    const done = await cli(['prepare', built.folder, '--jobs', '1'], { server: 'http://127.0.0.1:9' });
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`^prepared ${built.files} files? `, 'm'));
  }
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: built.entry, broker: cp.mqttUrl, module: 'esm' });
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'] });
  const installed = await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string; state: string }).actionId === action.id &&
      (e.data as { state: string }).state === 'installed',
    WAIT,
    'the exception action installs',
  );
  assert.match((installed.data as { message: string }).message, prepared ? /^prepared path/ : /^breakpoint path/);

  const swallowed = await fetch(`${shop.url}/api/swallow`);
  assert.equal(await swallowed.text(), '{"swallowed":true}');
  const answer = await fetch(`${shop.url}/api/reserve?sku=tea&wanted=5`);
  assert.equal(answer.status, 500);
  assert.equal(await answer.text(), built.answer);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, `the snapshot of the error ${framework} caught`);
  assert.deepEqual(s.exception, { type: 'OutOfStockError', message: 'out of tea: wanted 5', causes: [] });
  assert.match(s.location.file, built.routeFile);
  assert.equal(s.location.line, 4);
  assert.deepEqual(find(s.arguments, 'wanted'), { t: 'number', v: 5 });
  // Its caller, the route's handler, with the event the framework gave it (a prepared caller's consts are out of its catch's reach).
  assert.equal(find(s.frames![0]!.arguments, 'event').t, 'object');
  if (!prepared) assert.equal(find(s.frames![0]!.locals, 'basket').t, 'object');
  assert.match(shop.output(), built.handlerOutput);
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['OutOfStockError'],
    'the SyntaxError the route swallowed gave no snapshot',
  );
}
