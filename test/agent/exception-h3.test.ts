/**
 * Exception actions on a Nitro server build (Nuxt 3 and 4): h3 catches what every route handler
 * throws in toNodeListener and answers it itself, so nothing is uncaught, and h3 was not among
 * the frameworks whose error handling the agent watches: an exception action captured nothing.
 * The build here has Nitro's layout (`.output/server/index.mjs`, h3 bundled into
 * `chunks/nitro/nitro.mjs`, each route a chunk imported on its first request), written by the
 * test, run as built and as `liveprobe prepare` leaves it (the listener then twice, prepared and
 * twin).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cli, sseEvents, tempDir } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;

// Written in the shape h3 1.x and Nitro give these functions; the app's code is a route chunk.
const NITRO_CHUNK = `import { createServer } from 'node:http';
function createEvent(req, res) {
  return { node: { req, res }, path: req.url, handled: false };
}
function createError$1(input) {
  if (input && input.__h3_error__) return input;
  const error = new Error(input && input.message ? input.message : String(input), { cause: input });
  error.__h3_error__ = true;
  error.statusCode = input && input.statusCode ? input.statusCode : 500;
  return error;
}
function createApp(options) {
  const routes = new Map();
  const app = {
    options,
    use(path, load) { routes.set(path, load); },
    async handler(event) {
      const load = routes.get(event.path.split('?')[0]);
      if (!load) throw createError$1({ statusCode: 404, message: 'not found' });
      const route = await load();
      const body = await route.default(event);
      event.node.res.end(JSON.stringify(body));
    },
  };
  return app;
}
function toNodeListener(app) {
  const toNodeHandle = async function(req, res) {
    const event = createEvent(req, res);
    try {
      await app.handler(event);
    } catch (_error) {
      const error = createError$1(_error);
      if (app.options.onError) {
        await app.options.onError(error, event);
      }
      event.node.res.statusCode = error.statusCode;
      event.node.res.end(JSON.stringify({ statusCode: error.statusCode, message: error.message }));
    }
  };
  return toNodeHandle;
}
const app = createApp({ onError: (error) => { console.log('nitro onError: ' + error.message); } });
app.use('/api/reserve', () => import('../routes/api/reserve.mjs'));
app.use('/api/swallow', () => import('../routes/api/swallow.mjs'));
export function start() {
  const server = createServer(toNodeListener(app));
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
}
`;

const RESERVE_ROUTE = `class OutOfStockError extends Error {}
function reserve(sku, wanted) {
  const left = wanted > 3 ? 0 : 3 - wanted;
  if (left === 0) throw new OutOfStockError('out of ' + sku + ': wanted ' + wanted);
  return { sku, left };
}
export default async function (event) {
  const query = new URL(event.path, 'http://x').searchParams;
  const basket = { sku: query.get('sku'), wanted: Number(query.get('wanted')) };
  return reserve(basket.sku, basket.wanted);
}
`;

const SWALLOW_ROUTE = `export default async function () {
  try {
    JSON.parse('{not json');
  } catch {
    return { swallowed: true };
  }
}
`;

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

async function nitroBuild(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-nitro-h3-');
  t.after(() => dir.remove());
  const output = join(dir.path, '.output');
  await write(join(output, 'nitro.json'), JSON.stringify({ preset: 'node-server' }));
  await write(join(output, 'server/index.mjs'), "import { start } from './chunks/nitro/nitro.mjs';\nstart();\n");
  await write(join(output, 'server/chunks/nitro/nitro.mjs'), NITRO_CHUNK);
  await write(join(output, 'server/chunks/routes/api/reserve.mjs'), RESERVE_ROUTE);
  await write(join(output, 'server/chunks/routes/api/swallow.mjs'), SWALLOW_ROUTE);
  return output;
}

for (const prepared of [false, true]) {
  test(`an error h3 catches in a Nitro build${prepared ? ' prepared by `liveprobe prepare`' : ''} gives a snapshot of its throw site; one the app swallows gives none; the answers are unchanged`, async (t) => {
    const output = await nitroBuild(t);
    if (prepared) {
      const done = await cli(['prepare', output, '--jobs', '1'], { server: 'http://127.0.0.1:9' });
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /^prepared 4 files /m);
    }
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const shop = await app(t, { script: join(output, 'server/index.mjs'), broker: cp.mqttUrl, module: 'esm' });
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
    assert.equal(await answer.text(), '{"statusCode":500,"message":"out of tea: wanted 5"}');
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the error h3 caught');
    assert.deepEqual(s.exception, { type: 'OutOfStockError', message: 'out of tea: wanted 5', causes: [] });
    assert.match(s.location.file, /\/chunks\/routes\/api\/reserve\.mjs$/);
    assert.equal(s.location.line, 4);
    assert.deepEqual(find(s.arguments, 'wanted'), { t: 'number', v: 5 });
    // Its caller, the route's handler, with the event h3 gave it (a prepared caller's consts are out of its catch's reach).
    assert.equal(find(s.frames![0]!.arguments, 'event').t, 'object');
    if (!prepared) assert.equal(find(s.frames![0]!.locals, 'basket').t, 'object');
    assert.match(shop.output(), /nitro onError: out of tea: wanted 5/);
    assert.deepEqual(
      snapshots.items().map((e) => e.snapshot.exception?.type),
      ['OutOfStockError'],
      'the SyntaxError the route swallowed gave no snapshot',
    );
  });
}
