/**
 * Exception actions on an Astro SSR build (@astrojs/node, standalone): Astro's app catches what a
 * page's frontmatter, an endpoint or a middleware throws, logs its stack and renders the 500
 * page, so nothing is uncaught, and Astro was not among the frameworks whose error handling the
 * agent watches: an exception action captured nothing. The build here has the shape `astro build`
 * gives it on Astro 4 and 5 (`dist/server/entry.mjs`, Astro's runtime bundled into
 * `dist/server/chunks/_@astrojs-ssr-adapter_<hash>.mjs`, each route a chunk under `pages/`
 * imported on its first request, `dist/client` beside it), written by the test, run as built and
 * as `liveprobe prepare` leaves it. Astro 7 built by Vite 8 (Rolldown) with @astrojs/node 11 has
 * the catch in its request handler's function, bundled into a chunk named after another of its
 * modules, `dist/server/chunks/server_<hash>.mjs`, each route a chunk beside it: the agent read no
 * such chunk, and an exception action captured nothing in an Astro 7 build (checked on a real one:
 * astro 7.4.8, @astrojs/node 11.1.11).
 */
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir } from '../helpers/index.js';
import { assertCaughtAndAnswered, RESERVE_BODY, SWALLOW_BODY, write } from './bundled-framework-errors.js';

// Written in the shape Astro 5.18 gives its App once Vite bundled it (4.16's catch has no "router" line).
const ADAPTER_CHUNK = `class Logger {
  error(label, message) { console.error((label ? '[' + label + '] ' : '') + message); }
}
class App {
  #logger = new Logger();
  #routes;
  constructor(routes) { this.#routes = routes; }
  async #renderError(request, { status, error }) {
    if (error) this.#logger.error(null, 'rendering the 500 page');
    return new Response(status === 404 ? 'Not found' : 'Internal server error', { status });
  }
  async render(request) {
    const url = new URL(request.url);
    const route = this.#routes.get(url.pathname);
    if (!route) {
      return this.#renderError(request, { status: 404 });
    }
    let response;
    try {
      const mod = await route();
      const page = await mod.page();
      response = await page[request.method]({ url, request, locals: {} });
    } catch (err) {
      this.#logger.error("router", "Error while trying to render the route " + url.pathname);
      this.#logger.error(null, err.stack || err.message || String(err));
      return this.#renderError(request, { status: 500, error: err });
    } finally {
      await Promise.resolve();
    }
    return response;
  }
}
export { App };
`;

// Written in the shape Astro 7.4 gives its request handler once Vite bundled it: the catch is in a
// function of the request's state, not in the App's render.
const HANDLER_CHUNK = `class Logger {
  error(label, message) { console.error((label ? '[' + label + '] ' : '') + message); }
}
async function renderErrorFromState(state, request, { status }) {
  return new Response(status === 404 ? 'Not found' : 'Internal server error', { status });
}
async function handleRouteRequest(state, request) {
  let response;
  try {
    const mod = await state.route();
    const page = await mod.page();
    response = await page[request.method]({ url: state.url, request, locals: {} });
  } catch (err) {
    state.logger.error(null, err.stack || err.message || String(err));
    return renderErrorFromState(state, request, { status: 500, error: err });
  }
  return response;
}
class App {
  #logger = new Logger();
  #routes;
  constructor(routes) { this.#routes = routes; }
  async render(request) {
    const url = new URL(request.url);
    const route = this.#routes.get(url.pathname);
    if (!route) return renderErrorFromState({}, request, { status: 404 });
    return handleRouteRequest({ url, route, logger: this.#logger }, request);
  }
}
export { App };
`;

/** Where an Astro version's build puts its runtime chunk and its routes, under `dist/server/`. */
interface AstroLayout {
  version: string;
  chunk: string;
  chunkText: string;
  reserve: string;
  swallow: string;
  routeFile: RegExp;
  handlerOutput: RegExp;
}

const LAYOUTS: readonly AstroLayout[] = [
  {
    version: '4 and 5',
    chunk: 'chunks/_@astrojs-ssr-adapter_C-_Nljhk.mjs',
    chunkText: ADAPTER_CHUNK,
    reserve: 'pages/api/reserve.astro.mjs',
    swallow: 'pages/api/swallow.astro.mjs',
    routeFile: /\/dist\/server\/pages\/api\/reserve\.astro\.mjs$/,
    handlerOutput: /\[router\] Error while trying to render the route \/api\/reserve\nError: out of tea: wanted 5\n {4}at reserve /,
  },
  {
    version: '7',
    chunk: 'chunks/server_CgG1qGN_.mjs',
    chunkText: HANDLER_CHUNK,
    reserve: 'chunks/reserve__mn0RBd7.mjs',
    swallow: 'chunks/swallow_Bq2mX1c4.mjs',
    routeFile: /\/dist\/server\/chunks\/reserve__mn0RBd7\.mjs$/,
    handlerOutput: /^Error: out of tea: wanted 5\n {4}at reserve /m,
  },
];

const entry = (layout: AstroLayout): string => `import { createServer } from 'node:http';
import { App } from './${layout.chunk}';
const app = new App(new Map([
  ['/api/reserve', () => import('./${layout.reserve}')],
  ['/api/swallow', () => import('./${layout.swallow}')],
]));
const server = createServer(async (req, res) => {
  const response = await app.render(new Request(new URL(req.url, 'http://127.0.0.1'), { method: req.method }));
  res.statusCode = response.status;
  res.end(await response.text());
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

const asPage = (text: string): string => `${text}
const _page = Object.freeze(Object.defineProperty({ __proto__: null, GET }, Symbol.toStringTag, { value: 'Module' }));
const page = () => _page;
export { page };
`;

const RESERVE_PAGE = asPage(`${RESERVE_BODY}const GET = async (event) => {
  const basket = { sku: event.url.searchParams.get('sku'), wanted: Number(event.url.searchParams.get('wanted')) };
  return Response.json(reserve(basket.sku, basket.wanted));
};`);

const SWALLOW_PAGE = asPage(`const GET = async () => {
${SWALLOW_BODY.replace('return { swallowed: true };', 'return Response.json({ swallowed: true });')}};`);

async function astroBuild(t: TestContext, layout: AstroLayout): Promise<string> {
  const dir = await tempDir('liveprobe-astro-');
  t.after(() => dir.remove());
  const dist = join(dir.path, 'dist');
  await write(join(dir.path, 'package.json'), JSON.stringify({ type: 'module' }));
  await write(join(dist, 'server/entry.mjs'), entry(layout));
  await write(join(dist, 'server', layout.chunk), layout.chunkText);
  await write(join(dist, 'server', layout.reserve), RESERVE_PAGE);
  await write(join(dist, 'server', layout.swallow), SWALLOW_PAGE);
  await write(join(dist, 'client/_astro/client.BQ3sZ0xa.js'), 'export const start = () => {};\n');
  return dist;
}

for (const layout of LAYOUTS)
  for (const prepared of [false, true]) {
    test(`an error Astro ${layout.version} catches in an @astrojs/node build${prepared ? ' prepared by `liveprobe prepare`' : ''} gives a snapshot of its throw site; one the app swallows gives none; the answers are unchanged`, async (t) => {
      const dist = await astroBuild(t, layout);
      const built = {
        folder: dist,
        entry: join(dist, 'server/entry.mjs'),
        files: 4,
        answer: 'Internal server error',
        routeFile: layout.routeFile,
        handlerOutput: layout.handlerOutput,
      };
      await assertCaughtAndAnswered(t, built, prepared, 'Astro');
    });
  }
