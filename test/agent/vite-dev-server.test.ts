/**
 * Actions on the server code of a Vite dev server (`vite dev` under SvelteKit, `astro dev`,
 * `react-router dev`): Vite's module runner runs each module from a string, `new AsyncFunction`
 * with a `//# sourceURL=` and an inline map (test/fixtures/vite-dev/module-runner.mjs stands in
 * for it, evaluating code exactly as Vite 8.4's runner does). Before, a snapshot's stack left out
 * the probed function's own frame and named no file for the others of such code (V8 gives their
 * call sites no file name, only the sourceURL), and an exception action captured nothing there:
 * SvelteKit's runtime, a prebundled dependency, runs as `…/errors.js?v=<hash>`, which the agent
 * did not know for SvelteKit's. Checked by hand on the real servers (SvelteKit 3.4 on Vite 8.4,
 * Astro 7.4, React Router 8.5), as docs/actions.md says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, sseEvents } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const RUNNER = 'test/fixtures/vite-dev/module-runner.mjs';
const STOCK = 'test/fixtures/vite-dev/app/src/lib/stock.ts';
const ROUTE = 'test/fixtures/vite-dev/app/src/routes/api/reserve/+server.ts';

test("under a Vite dev server's module runner, an action added before its module loads installs as it loads, and its snapshot's stack names the app's sources; an error SvelteKit's runtime hands to handleError gives a snapshot of its throw site", async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const dev = await app(t, { script: RUNNER, broker: cp.mqttUrl, module: 'esm' });
  const { action: snapshot } = await addAction(cp, {
    type: 'snapshot',
    file: 'src/lib/stock.ts',
    line: lineOf(STOCK, 'vite-dev-left'),
    tags: ['e2e'],
  });
  const { action: exception } = await addAction(cp, { type: 'exception', tags: ['e2e'] });
  await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string; state: string }).actionId === snapshot.id &&
      (e.data as { state: string }).state === 'pending',
    WAIT,
    'the snapshot waits for its module',
  );

  assert.equal(await (await fetch(`${dev.url}/api/reserve?sku=tea&wanted=1`)).text(), '{"sku":"tea","left":2}');
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === snapshot.id, WAIT, 'the snapshot at its first run');
  assert.equal(s.location.line, lineOf(STOCK, 'vite-dev-left'));
  assert.match(s.location.file, /\/vite-dev\/app\/src\/lib\/stock\.ts$/);
  assert.deepEqual(find(s.locals, 'have'), { t: 'number', v: 3 });
  assert.deepEqual(find(s.arguments, 'wanted'), { t: 'number', v: 1 });
  assert.deepEqual(
    s.stack.slice(0, 2).map((f) => [f.function, f.file.replace(/^.*\/vite-dev\/app\//, ''), f.line]),
    [
      ['reserve', 'src/lib/stock.ts', lineOf(STOCK, 'vite-dev-left')],
      ['GET', 'src/routes/api/reserve/+server.ts', lineOf(ROUTE, 'vite-dev-call')],
    ],
    'the probed function, then its caller, in their sources',
  );
  assert.match(
    s.stack[2]?.file ?? '',
    /\/@sveltejs\/kit\/src\/runtime\/server\/errors\.js$/,
    'the runtime module that called the route, by its path',
  );

  const failed = await fetch(`${dev.url}/api/reserve?sku=tea&wanted=5`);
  assert.equal(failed.status, 500);
  assert.equal(await failed.text(), '{"status":500,"message":"Something went wrong"}');
  const { snapshot: e } = await snapshots.waitFor(
    (x) => x.actionId === exception.id,
    WAIT,
    'the snapshot of the error SvelteKit handed to handleError',
  );
  assert.deepEqual(e.exception, { type: 'OutOfStockError', message: 'out of tea: wanted 5', causes: [] });
  assert.match(e.location.file, /\/vite-dev\/app\/src\/lib\/stock\.ts$/);
  assert.equal(e.location.line, lineOf(STOCK, 'vite-dev-throw'));
  assert.deepEqual(find(e.locals, 'left'), { t: 'number', v: -2 });
  assert.match(dev.output(), /handleError: out of tea: wanted 5/);
});
