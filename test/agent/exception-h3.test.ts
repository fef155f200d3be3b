/**
 * Exception actions on a Nitro server build (Nuxt 3 and 4): h3 catches what every route handler
 * throws in toNodeListener and answers it itself, so nothing is uncaught, and h3 was not among
 * the frameworks whose error handling the agent watches: an exception action captured nothing.
 * The build here has Nitro's layout (`.output/server/index.mjs`, h3 bundled into
 * `chunks/nitro/nitro.mjs`, each route a chunk imported on its first request), written by the
 * test, run as built and as `liveprobe prepare` leaves it (the listener then twice, prepared and
 * twin).
 */
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir } from '../helpers/index.js';
import { assertCaughtAndAnswered, RESERVE_BODY, SWALLOW_BODY, write } from './bundled-framework-errors.js';

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

const RESERVE_ROUTE = `${RESERVE_BODY}export default async function (event) {
  const query = new URL(event.path, 'http://x').searchParams;
  const basket = { sku: query.get('sku'), wanted: Number(query.get('wanted')) };
  return reserve(basket.sku, basket.wanted);
}
`;

const SWALLOW_ROUTE = `export default async function () {
${SWALLOW_BODY}}
`;

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
    const built = {
      folder: output,
      entry: join(output, 'server/index.mjs'),
      files: 4,
      answer: '{"statusCode":500,"message":"out of tea: wanted 5"}',
      routeFile: /\/chunks\/routes\/api\/reserve\.mjs$/,
      handlerOutput: /nitro onError: out of tea: wanted 5/,
    };
    await assertCaughtAndAnswered(t, built, prepared, 'h3');
  });
}
