/**
 * Exception actions on a SvelteKit build (adapter-node): SvelteKit catches what a load function,
 * form action, endpoint or hook throws and turns it into the answer's body in
 * handle_error_and_jsonify, which calls the app's hooks.server handleError, so nothing is
 * uncaught, and SvelteKit was not among the frameworks whose error handling the agent watches: an
 * exception action captured nothing. The build here has adapter-node's layout (`build/index.js`,
 * SvelteKit's runtime bundled into `server/chunks/chunks/utils.js-<hash>.js`, each route a chunk
 * imported on its first request), written by the test, run as built and as `liveprobe prepare`
 * leaves it (the function then twice, prepared and twin).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cli, sseEvents, tempDir } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;

// Written in the shape SvelteKit 2 gives these functions once Vite and adapter-node bundled them.
const KIT_CHUNK = `class HttpError {
  constructor(status, body) { this.status = status; this.body = typeof body === 'string' ? { message: body } : body; }
}
function get_status(error) { return error instanceof HttpError ? error.status : 500; }
async function handle_error_and_jsonify(event, state, options, error) {
  if (error instanceof HttpError) return { message: 'Unknown Error', ...error.body };
  const status = get_status(error);
  const message = 'Internal Error';
  return (await options.hooks.handleError({ error, event, status, message })) ?? { message };
}
export async function respond(request, options, routes) {
  const event = { url: new URL(request.url, 'http://localhost'), request };
  try {
    const load = routes.get(event.url.pathname);
    if (!load) throw new HttpError(404, 'Not Found');
    const route = await load();
    return { status: 200, body: JSON.stringify(await route.GET(event)) };
  } catch (e) {
    const body = await handle_error_and_jsonify(event, {}, options, e);
    return { status: get_status(e), body: JSON.stringify(body) };
  }
}
`;

const INDEX = `import { createServer } from 'node:http';
import { respond } from './server/chunks/chunks/utils.js-Ce83YrrO.js';
const routes = new Map([
  ['/api/reserve', () => import('./server/chunks/entries/endpoints/api/reserve/_server.ts.js-BvKvGtOh.js')],
  ['/api/swallow', () => import('./server/chunks/entries/endpoints/api/swallow/_server.ts.js-D4t1rX9q.js')],
]);
const hooks = { handleError: ({ error, status }) => { console.log('handleError ' + status + ': ' + error.message); return { message: 'Something went wrong' }; } };
const server = createServer(async (req, res) => {
  const answer = await respond(req, { hooks }, routes);
  res.statusCode = answer.status;
  res.end(answer.body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

const RESERVE_ROUTE = `class OutOfStockError extends Error {}
function reserve(sku, wanted) {
  const left = wanted > 3 ? 0 : 3 - wanted;
  if (left === 0) throw new OutOfStockError('out of ' + sku + ': wanted ' + wanted);
  return { sku, left };
}
export const GET = async ({ url }) => {
  const basket = { sku: url.searchParams.get('sku'), wanted: Number(url.searchParams.get('wanted')) };
  return reserve(basket.sku, basket.wanted);
};
`;

const SWALLOW_ROUTE = `export const GET = async () => {
  try {
    JSON.parse('{not json');
  } catch {
    return { swallowed: true };
  }
};
`;

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

async function kitBuild(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-sveltekit-');
  t.after(() => dir.remove());
  const build = join(dir.path, 'build');
  await write(join(dir.path, 'package.json'), JSON.stringify({ type: 'module' }));
  await write(join(build, 'index.js'), INDEX);
  await write(join(build, 'server/chunks/chunks/utils.js-Ce83YrrO.js'), KIT_CHUNK);
  await write(join(build, 'server/chunks/entries/endpoints/api/reserve/_server.ts.js-BvKvGtOh.js'), RESERVE_ROUTE);
  await write(join(build, 'server/chunks/entries/endpoints/api/swallow/_server.ts.js-D4t1rX9q.js'), SWALLOW_ROUTE);
  await write(join(build, 'client/_app/immutable/entry/start.js'), 'export const start = () => {};\n');
  return build;
}

for (const prepared of [false, true]) {
  test(`an error SvelteKit catches in an adapter-node build${prepared ? ' prepared by `liveprobe prepare`' : ''} gives a snapshot of its throw site; one the app swallows gives none; the answers are unchanged`, async (t) => {
    const build = await kitBuild(t);
    if (prepared) {
      const done = await cli(['prepare', build, '--jobs', '1'], { server: 'http://127.0.0.1:9' });
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /^prepared 4 files /m);
    }
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const shop = await app(t, { script: join(build, 'index.js'), broker: cp.mqttUrl, module: 'esm' });
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
    assert.equal(await answer.text(), '{"message":"Something went wrong"}');
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the error SvelteKit caught');
    assert.deepEqual(s.exception, { type: 'OutOfStockError', message: 'out of tea: wanted 5', causes: [] });
    assert.match(s.location.file, /\/api\/reserve\/_server\.ts\.js-BvKvGtOh\.js$/);
    assert.equal(s.location.line, 4);
    assert.deepEqual(find(s.arguments, 'wanted'), { t: 'number', v: 5 });
    // Its caller, the endpoint, with the event SvelteKit gave it (a prepared caller's consts are out of its catch's reach).
    assert.equal(s.frames![0]!.arguments.length, 1);
    if (!prepared) assert.equal(find(s.frames![0]!.locals, 'basket').t, 'object');
    assert.match(shop.output(), /handleError 500: out of tea: wanted 5/);
    assert.deepEqual(
      snapshots.items().map((e) => e.snapshot.exception?.type),
      ['OutOfStockError'],
      'the SyntaxError the route swallowed gave no snapshot',
    );
  });
}
