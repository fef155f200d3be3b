/**
 * Exception actions under `astro dev`: Astro's dev server answers what a page, an endpoint or a
 * middleware threw in `runWithErrorHandling` (vite-plugin-astro-server/controller.js), with its
 * error overlay, so nothing is uncaught. Astro 7's request handler (core/routing/handler.js) has
 * the error first: it logs it, then its dev error page throws the same error on to the
 * controller. Before, Astro 5's dev server gave no snapshot (the agent knew only the build's
 * catch), and once both were watched, Astro 7's gave two, the second at Astro's rethrow. The
 * packages' files are written here where Astro puts them, each with the function of the real file
 * (5.18.2's and 7.4.8's, read from the installed packages); the real dev servers of both, checked
 * by hand, gave one snapshot per error at its throw site, as here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sseEvents, tempDir } from '../helpers/index.js';
import { RESERVE_BODY, write } from './bundled-framework-errors.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;

const CONTROLLER = `export async function runWithErrorHandling({ controller: { state }, pathname, run, onError }) {
  try {
    await run();
    state.errors.delete(pathname);
  } catch (err) {
    const error = onError(err);
    state.errors.set(pathname, error);
  }
}
`;

// Astro 7's request handler: its catch logs the stack and renders the error page, which in dev
// throws the error on for the overlay (core/errors/dev-handler.js's renderDevError).
const HANDLER = `async function renderErrorFromState(state, request, { error }) {
  throw error;
}
export async function render(state, request, page) {
  let response;
  try {
    response = await page(request);
  } catch (err) {
    state.logger.error(null, err.stack || err.message || String(err));
    return renderErrorFromState(state, request, { status: 500, error: err });
  }
  return response;
}
`;

const server = (astro7: boolean) => `import { createServer } from 'node:http';
import { runWithErrorHandling } from './node_modules/astro/dist/vite-plugin-astro-server/controller.js';
${astro7 ? "import { render } from './node_modules/astro/dist/core/routing/handler.js';" : ''}
const state = { errors: new Map(), logger: { error: (label, message) => console.error('[ERROR] ' + message) } };
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  await runWithErrorHandling({
    controller: { state },
    pathname: url.pathname,
    async run() {
      const { GET } = await import('./src/pages/api/reserve.mjs');
      const response = ${astro7 ? 'await render(state, url, GET)' : 'await GET(url)'};
      res.end(JSON.stringify(response));
    },
    onError(err) {
      res.statusCode = 500;
      res.end('error overlay: ' + err.message);
      return err;
    },
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

async function astroDev(t: TestContext, astro7: boolean): Promise<string> {
  const dir = await tempDir('liveprobe-astro-dev-');
  t.after(() => dir.remove());
  await write(join(dir.path, 'package.json'), JSON.stringify({ type: 'module' }));
  await write(join(dir.path, 'node_modules/astro/dist/vite-plugin-astro-server/controller.js'), CONTROLLER);
  if (astro7) await write(join(dir.path, 'node_modules/astro/dist/core/routing/handler.js'), HANDLER);
  await write(
    join(dir.path, 'src/pages/api/reserve.mjs'),
    `${RESERVE_BODY}export const GET = async (url) => reserve(url.searchParams.get('sku'), Number(url.searchParams.get('wanted')));\n`,
  );
  const entry = join(dir.path, 'dev-server.mjs');
  await write(entry, server(astro7));
  return entry;
}

for (const astro7 of [false, true])
  test(`astro dev (${astro7 ? '7: its request handler logs the error, then throws it on' : '5'}): an error an endpoint throws gives one snapshot of its throw site; the answer is unchanged`, async (t) => {
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const dev = await app(t, { script: await astroDev(t, astro7), broker: cp.mqttUrl, module: 'esm' });
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'] });
    await events.waitFor(
      (e) =>
        e.event === 'action_status' &&
        (e.data as { actionId: string; state: string }).actionId === action.id &&
        (e.data as { state: string }).state === 'installed',
      WAIT,
      'the exception action installs',
    );
    const fails = async (wanted: number) => {
      const answer = await fetch(`${dev.url}/api/reserve?sku=tea&wanted=${wanted}`);
      assert.equal(answer.status, 500);
      assert.equal(await answer.text(), `error overlay: out of tea: wanted ${wanted}`);
    };
    await fails(5);
    const first = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the error Astro answered');
    assert.equal(first.snapshot.exception?.type, 'OutOfStockError');
    assert.match(first.snapshot.location.file, /\/src\/pages\/api\/reserve\.mjs$/);
    assert.equal(first.snapshot.location.line, 4);

    // One more: once its snapshot is in, any second one of the first error would be too.
    await fails(9);
    await snapshots.waitFor((e) => e.snapshot.exception?.message === 'out of tea: wanted 9', WAIT, "the last error's snapshot");
    const messages = snapshots.items().map((e) => e.snapshot.exception?.message);
    assert.equal(messages.length, new Set(messages).size, `one snapshot per error: ${messages.join(', ')}`);
    assert.ok(
      snapshots.items().every((e) => /\/src\/pages\/api\/reserve\.mjs$/.test(e.snapshot.location.file)),
      'each at its throw site',
    );
    if (astro7) assert.match(dev.output(), /\[ERROR\] Error: out of tea: wanted 9\n/);
  });
