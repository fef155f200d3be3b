/**
 * Exception actions on a React Router 7 framework-mode build (ex-Remix): React Router's server
 * runtime catches what a loader, an action or a resource route throws, hands it to the app's
 * handleError in entry.server and answers it (a 500, or the error boundary's page), so nothing is
 * uncaught, and React Router was not among the frameworks whose error handling the agent
 * watches: an exception action captured nothing. The app here has the shape `react-router build`
 * gives it (every route in `build/server/index.js`, react-router left external and run from its
 * package's ESM chunks, `build/client` beside it), written by the test, run as built and as
 * `liveprobe prepare` leaves it.
 */
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir } from '../helpers/index.js';
import { assertCaughtAndAnswered, RESERVE_BODY, SWALLOW_BODY, write } from './bundled-framework-errors.js';

// Written in the shape react-router 7.x ships its server runtime in (dist/development/chunk-<hash>.mjs).
const STATIC_HANDLER_CHUNK = `export function isResponse(value) { return value instanceof Response; }
async function callLoaderOrAction(request, route, context) {
  try {
    return { type: 'data', result: await route.module.loader({ request, params: {}, context }) };
  } catch (e) {
    return { type: 'error', result: e };
  }
}
export function createStaticHandler(routes) {
  return {
    match(pathname) { return Object.keys(routes).find((id) => routes[id].path === pathname); },
    async queryRoute(request, { routeId, requestContext }) {
      const result = await callLoaderOrAction(request, routes[routeId], requestContext);
      if (result.type === 'error') throw result.result;
      return result.result;
    },
  };
}
`;

const SERVER_RUNTIME_CHUNK = `import { createStaticHandler, isResponse } from './chunk-Z7SQORRT.mjs';
function returnLastResortErrorResponse(error, serverMode) {
  return new Response('Unexpected Server Error', { status: 500, headers: { 'X-Remix-Error': 'yes' } });
}
async function handleResourceRequest(serverMode, build, staticHandler, routeId, request, loadContext, handleError) {
  try {
    let response = await staticHandler.queryRoute(request, { routeId, requestContext: loadContext });
    return isResponse(response) ? response : Response.json(response);
  } catch (error) {
    if (isResponse(error)) return error;
    handleError(error);
    return returnLastResortErrorResponse(error, serverMode);
  }
}
function derive(build, mode) {
  let serverMode = mode ?? 'production';
  let staticHandler = createStaticHandler(build.routes);
  let errorHandler = build.entry.module.handleError || ((error, { request }) => {
    if (!request.signal.aborted) console.error(error);
  });
  let requestHandler = async (request, initialContext) => {
    let params = {};
    let loadContext = initialContext || {};
    let handleError = (error) => {
      errorHandler(error, {
        context: loadContext,
        params,
        request
      });
    };
    let routeId = staticHandler.match(new URL(request.url).pathname);
    if (!routeId) return new Response('Not Found', { status: 404 });
    return handleResourceRequest(serverMode, build, staticHandler, routeId, request, loadContext, handleError);
  };
  return { requestHandler };
}
export function createRequestHandler(build, mode) {
  let derived;
  return async function requestHandler(request, initialContext) {
    derived ??= derive(build, mode);
    return derived.requestHandler(request, initialContext);
  };
}
`;

// Vite's SSR build: every route module in one file, the throwing helper first (line 4 throws).
const SERVER_BUILD = `${RESERVE_BODY}async function loader$1(event) {
  const url = new URL(event.request.url);
  const basket = { sku: url.searchParams.get('sku'), wanted: Number(url.searchParams.get('wanted')) };
  return reserve(basket.sku, basket.wanted);
}
const route1 = /* @__PURE__ */ Object.freeze({ __proto__: null, loader: loader$1 });
async function loader() {
${SWALLOW_BODY}}
const route2 = /* @__PURE__ */ Object.freeze({ __proto__: null, loader });
const handleError = (error, { request }) => {
  if (!request.signal.aborted) console.log('handleError: ' + error.message);
};
const entryServer = /* @__PURE__ */ Object.freeze({ __proto__: null, handleError });
export const entry = { module: entryServer };
export const routes = {
  'routes/api.reserve': { id: 'routes/api.reserve', path: '/api/reserve', module: route1 },
  'routes/api.swallow': { id: 'routes/api.swallow', path: '/api/swallow', module: route2 },
};
`;

// What react-router-serve (from its package) does with the build: a Node server over createRequestHandler.
const SERVE = `import { createServer } from 'node:http';
import { createRequestHandler } from 'react-router';
const build = await import(new URL('../../../build/server/index.js', import.meta.url).href);
const handle = createRequestHandler(build, 'production');
const server = createServer(async (req, res) => {
  const response = await handle(new Request(new URL(req.url, 'http://127.0.0.1'), { method: req.method }));
  res.statusCode = response.status;
  res.end(await response.text());
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

async function routerApp(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-react-router-');
  t.after(() => dir.remove());
  const pkg = join(dir.path, 'node_modules/react-router');
  await write(join(dir.path, 'package.json'), JSON.stringify({ type: 'module' }));
  await write(join(dir.path, 'node_modules/@react-router/serve/bin.mjs'), SERVE);
  await write(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'react-router', exports: { '.': { import: './dist/development/index.mjs' } } }),
  );
  await write(join(pkg, 'dist/development/index.mjs'), "export { createRequestHandler } from './chunk-IXMWVLYF.mjs';\n");
  await write(join(pkg, 'dist/development/chunk-IXMWVLYF.mjs'), SERVER_RUNTIME_CHUNK);
  await write(join(pkg, 'dist/development/chunk-Z7SQORRT.mjs'), STATIC_HANDLER_CHUNK);
  await write(join(dir.path, 'build/server/index.js'), SERVER_BUILD);
  await write(join(dir.path, 'build/client/assets/entry.client-DufmrIr_.js'), 'export const start = () => {};\n');
  return dir.path;
}

for (const prepared of [false, true]) {
  test(`an error React Router catches in a framework-mode build${prepared ? ' prepared by `liveprobe prepare`' : ''} gives a snapshot of its throw site; one the app swallows gives none; the answers are unchanged`, async (t) => {
    const root = await routerApp(t);
    const built = {
      folder: join(root, 'build'),
      entry: join(root, 'node_modules/@react-router/serve/bin.mjs'),
      files: 1,
      answer: 'Unexpected Server Error',
      routeFile: /\/build\/server\/index\.js$/,
      handlerOutput: /handleError: out of tea: wanted 5/,
    };
    await assertCaughtAndAnswered(t, built, prepared, 'React Router');
  });
}
