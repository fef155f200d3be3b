/**
 * Exception actions on a SvelteKit build (adapter-node): SvelteKit catches what a load function,
 * form action, endpoint or hook throws and turns it into the answer's body in
 * handle_error_and_jsonify, which calls the app's hooks.server handleError, so nothing is
 * uncaught, and SvelteKit was not among the frameworks whose error handling the agent watches: an
 * exception action captured nothing. The build here has adapter-node's layout (`build/index.js`,
 * SvelteKit's runtime bundled into `server/chunks/chunks/utils.js-<hash>.js`, each route a chunk
 * imported on its first request), written by the test, run as built and as `liveprobe prepare`
 * leaves it (the function then twice, prepared and twin). SvelteKit 3 built by Vite 8 (Rolldown)
 * and adapter-node 6 names the chunk after another of its modules, `server/chunks/internal.js`,
 * and each route `server/entries/…` without a hash: the agent read no such chunk, and an exception
 * action captured nothing in a SvelteKit 3 build (checked on a real one: @sveltejs/kit 3.4.1,
 * adapter-node 6.0.5, vite 8.4.1).
 */
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir } from '../helpers/index.js';
import { assertCaughtAndAnswered, RESERVE_BODY, SWALLOW_BODY, write } from './bundled-framework-errors.js';

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

// SvelteKit 3's: no options parameter nor async, the hooks read from the state.
const KIT3_CHUNK = KIT_CHUNK.replace(
  `async function handle_error_and_jsonify(event, state, options, error) {`,
  `function handle_error_and_jsonify(event, state, error) {`,
)
  .replace('return (await options.hooks.handleError(', 'return (state.hooks.handleError(')
  .replace('await handle_error_and_jsonify(event, {}, options, e)', 'await handle_error_and_jsonify(event, { hooks: options.hooks }, e)');

/** Where a SvelteKit version's build puts its runtime chunk and its routes, under `build/`. */
interface KitLayout {
  version: string;
  chunk: string;
  chunkText: string;
  reserve: string;
  swallow: string;
  routeFile: RegExp;
}

const LAYOUTS: readonly KitLayout[] = [
  {
    version: '2',
    chunk: 'server/chunks/chunks/utils.js-Ce83YrrO.js',
    chunkText: KIT_CHUNK,
    reserve: 'server/chunks/entries/endpoints/api/reserve/_server.ts.js-BvKvGtOh.js',
    swallow: 'server/chunks/entries/endpoints/api/swallow/_server.ts.js-D4t1rX9q.js',
    routeFile: /\/api\/reserve\/_server\.ts\.js-BvKvGtOh\.js$/,
  },
  {
    version: '3',
    chunk: 'server/chunks/internal.js',
    chunkText: KIT3_CHUNK,
    reserve: 'server/entries/endpoints/api/reserve/_server.ts.js',
    swallow: 'server/entries/endpoints/api/swallow/_server.ts.js',
    routeFile: /\/server\/entries\/endpoints\/api\/reserve\/_server\.ts\.js$/,
  },
];

const index = (layout: KitLayout): string => `import { createServer } from 'node:http';
import { respond } from './${layout.chunk}';
const routes = new Map([
  ['/api/reserve', () => import('./${layout.reserve}')],
  ['/api/swallow', () => import('./${layout.swallow}')],
]);
const hooks = { handleError: ({ error, status }) => { console.log('handleError ' + status + ': ' + error.message); return { message: 'Something went wrong' }; } };
const server = createServer(async (req, res) => {
  const answer = await respond(req, { hooks }, routes);
  res.statusCode = answer.status;
  res.end(answer.body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

const RESERVE_ROUTE = `${RESERVE_BODY}export const GET = async (event) => {
  const basket = { sku: event.url.searchParams.get('sku'), wanted: Number(event.url.searchParams.get('wanted')) };
  return reserve(basket.sku, basket.wanted);
};
`;

const SWALLOW_ROUTE = `export const GET = async () => {
${SWALLOW_BODY}};
`;

async function kitBuild(t: TestContext, layout: KitLayout): Promise<string> {
  const dir = await tempDir('liveprobe-sveltekit-');
  t.after(() => dir.remove());
  const build = join(dir.path, 'build');
  await write(join(dir.path, 'package.json'), JSON.stringify({ type: 'module' }));
  await write(join(build, 'index.js'), index(layout));
  await write(join(build, layout.chunk), layout.chunkText);
  await write(join(build, layout.reserve), RESERVE_ROUTE);
  await write(join(build, layout.swallow), SWALLOW_ROUTE);
  await write(join(build, 'client/_app/immutable/entry/start.js'), 'export const start = () => {};\n');
  return build;
}

for (const layout of LAYOUTS)
  for (const prepared of [false, true]) {
    test(`an error SvelteKit ${layout.version} catches in an adapter-node build${prepared ? ' prepared by `liveprobe prepare`' : ''} gives a snapshot of its throw site; one the app swallows gives none; the answers are unchanged`, async (t) => {
      const build = await kitBuild(t, layout);
      const built = {
        folder: build,
        entry: join(build, 'index.js'),
        files: 4,
        answer: '{"message":"Something went wrong"}',
        routeFile: layout.routeFile,
        handlerOutput: /handleError 500: out of tea: wanted 5/,
      };
      await assertCaughtAndAnswered(t, built, prepared, 'SvelteKit');
    });
  }
