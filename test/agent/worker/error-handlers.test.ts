import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  errorHandlerEntries,
  isErrorHandlerFile,
  isFrameworkFile,
  noErrorHandlerMessage,
} from '../../../agent/src/worker/error-handlers.js';
import { fromRoot } from '@liveprobe/harness';

// The installed frameworks' own files: a new version that moves its error dispatch fails here.
const FILES = [
  ['node_modules/express/lib/router/layer.js', 'Express 4', 'error'],
  ['node_modules/router/lib/layer.js', 'Express 5', 'error'],
  ['node_modules/finalhandler/index.js', 'final handler', 'err'],
  ['node_modules/express5/node_modules/finalhandler/index.js', 'final handler', 'err'],
  ['node_modules/koa/lib/context.js', 'Koa', 'err'],
  ['node_modules/fastify/lib/error-handler.js', 'Fastify', 'error'],
  ['node_modules/@hapi/hapi/lib/toolkit.js', 'hapi', 'err'],
  ['node_modules/@nestjs/core/exceptions/exceptions-handler.js', 'NestJS', 'exception'],
  ['node_modules/hono/dist/compose.js', 'Hono', 'err'],
  ['node_modules/hono/dist/cjs/compose.js', 'Hono', 'err'],
  ['node_modules/hono/dist/hono-base.js', 'Hono', 'err'],
  ['node_modules/hono/dist/cjs/hono-base.js', 'Hono', 'err'],
  ['node_modules/graphql/error/locatedError.js', 'GraphQL', 'rawOriginalError'],
  ['node_modules/graphql/error/locatedError.mjs', 'GraphQL', 'rawOriginalError'],
  ['node_modules/graphql17/error/locatedError.js', 'GraphQL', 'rawOriginalError'],
  ['node_modules/graphql17/error/locatedError.mjs', 'GraphQL', 'rawOriginalError'],
  ['node_modules/graphql-jit/dist/error.js', 'graphql-jit', 'originalError'],
  ['node_modules/graphql-jit/dist/error.mjs', 'graphql-jit', 'originalError'],
  ['node_modules/bullmq/dist/cjs/classes/worker.js', 'BullMQ', 'err'],
  ['node_modules/bullmq/dist/esm/classes/worker.js', 'BullMQ', 'err'],
  ['node_modules/bullmq/dist/cjs/classes/child-processor.js', 'BullMQ \\(its sandboxed', 'err'],
  ['node_modules/bullmq/dist/esm/classes/child-processor.js', 'BullMQ \\(its sandboxed', 'err'],
] as const;

for (const [file, framework, parameter] of FILES) {
  test(`the error dispatch of ${file} is found, just inside the function that receives the error`, () => {
    const path = fromRoot(file);
    assert.equal(isErrorHandlerFile(path), true);
    const source = readFileSync(path, 'utf8');
    const entry = errorHandlerEntries(path, source)[0];
    assert.ok(entry, `an entry in ${file}`);
    assert.match(entry.framework, new RegExp(framework));
    assert.equal(entry.parameter, parameter);
    const line = source.split('\n')[entry.lineNumber] ?? '';
    assert.equal(line[entry.columnNumber - 1], '{', `the breakpoint goes right after the body's brace: ${line}`);
    assert.match(line, new RegExp(`\\(\\s*(\\w+\\s*,\\s*)*${parameter}\\b`), 'on the line that names the error');
  });
}

test('other files are not read, and a version without the function gives no entry', () => {
  assert.equal(isErrorHandlerFile('/srv/app/src/layer.js'), false);
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/express/lib/router/route.js'), false);
  assert.equal(isErrorHandlerFile('C:\\app\\node_modules\\koa\\lib\\context.js'), true, 'Windows paths too');
  assert.deepEqual(errorHandlerEntries('/srv/app/node_modules/koa/lib/context.js', 'module.exports = {\n  throw() {}\n};\n'), []);
  assert.equal(isFrameworkFile('/srv/app/node_modules/@nestjs/core/router/router-proxy.js'), true);
  assert.equal(isFrameworkFile('/srv/app/node_modules/@hapi/hapi/lib/handler.js'), true);
  assert.equal(isFrameworkFile('/srv/app/src/nest/orders.controller.js'), false);
  assert.equal(isFrameworkFile('/srv/app/node_modules/hono/dist/cjs/hono-base.js'), true);
  assert.equal(isFrameworkFile('/srv/app/node_modules/@hono/node-server/dist/index.js'), true);
  assert.equal(isFrameworkFile('/srv/app/node_modules/honorific/index.js'), false);
  // Other files of hono are not read: its middleware's own try/catch (jwt, say) is not an error handler.
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/hono/dist/middleware/jwt/jwt.js'), false);
});

test("NestJS's CommonJS builds (10, 11) have the same ExceptionsHandler.next", () => {
  const path = '/srv/app/node_modules/@nestjs/core/exceptions/exceptions-handler.js';
  const source = [
    '"use strict";',
    'class ExceptionsHandler extends base_exception_filter_1.BaseExceptionFilter {',
    '    constructor() { super(...arguments); this.filters = []; }',
    '    next(exception, ctx) {',
    '        if (this.invokeCustomFilters(exception, ctx)) return;',
    '    }',
    '}',
  ].join('\n');
  assert.deepEqual(errorHandlerEntries(path, source)[0], {
    framework: 'NestJS (ExceptionsHandler, before any exception filter)',
    lineNumber: 3,
    columnNumber: 26,
    parameter: 'exception',
    handed: 'exception',
  });
});

test("Hono's compose: the catch that hands an error to onError, not another catch before it", () => {
  const path = '/srv/app/node_modules/hono/dist/compose.js';
  const source = [
    'async function dispatch(i) {',
    '  try { JSON.parse(x); } catch (e) { x = null; }',
    '  if (handler) try {',
    '    res = await handler(context, () => dispatch(i + 1));',
    '  } catch (err) {',
    '    if (err instanceof Error && onError) {',
  ].join('\n');
  const entry = errorHandlerEntries(path, source)[0];
  assert.equal(entry?.lineNumber, 4);
  assert.equal(entry?.parameter, 'err');
  assert.equal(entry?.columnNumber, '  } catch (err) {'.length);
});

test("Hono 4.0's builds: its handleError was a plain method before it became #handleError", () => {
  const path = '/srv/app/node_modules/hono/dist/cjs/hono-base.js';
  const source = ['class Hono {', '  handleError(err, c) {', '    if (err instanceof Error) {'].join('\n');
  assert.deepEqual(errorHandlerEntries(path, source)[0], {
    framework: "Hono (its handleError, before app.onError or Hono's default handler)",
    lineNumber: 1,
    columnNumber: 23,
    parameter: 'err',
    handed: 'err',
  });
});

// h3 1.x's toNodeListener, as its dist files and Nitro's server chunk (which bundles it, renaming
// what collides) write it; a prepared chunk holds it twice (prepared body and twin).
const H3_LISTENER = [
  'function toNodeListener(app) {',
  '  const toNodeHandle = async function(req, res) {',
  '    const event = createEvent(req, res);',
  '    try {',
  '      await app.handler(event);',
  '    } catch (_error) {',
  '      const error = createError$1(_error);',
].join('\n');

test("h3's catch in toNodeListener, in h3's own files and bundled into each name of Nitro's server chunk; twice when prepared", () => {
  for (const path of [
    '/srv/app/node_modules/h3/dist/index.mjs',
    '/srv/app/node_modules/h3/dist/index.cjs',
    '/srv/app/.output/server/chunks/nitro/nitro.mjs',
    '/srv/app/.output/server/chunks/nitro/node-server.mjs',
    '/srv/app/.output/server/chunks/runtime.mjs',
  ]) {
    assert.equal(isErrorHandlerFile(path), true, path);
    assert.deepEqual(errorHandlerEntries(path, H3_LISTENER), [
      {
        framework: "h3 (toNodeListener's catch, before the app's onError: Nitro, Nuxt)",
        lineNumber: 5,
        columnNumber: 22,
        parameter: '_error',
        handed: '_error',
      },
    ]);
  }
  const twice = `${H3_LISTENER.replaceAll('\n', ' ')}\n${H3_LISTENER}`;
  assert.deepEqual(
    errorHandlerEntries('/srv/app/.output/server/chunks/nitro/nitro.mjs', twice).map((e) => [e.lineNumber, e.parameter]),
    [
      [0, '_error'],
      [6, '_error'],
    ],
  );
  assert.equal(isErrorHandlerFile('/srv/app/.output/server/chunks/routes/api/nitro.mjs'), false);
  assert.equal(isFrameworkFile('/srv/app/node_modules/h3/dist/index.mjs'), true);
});

test('graphql-js: a located error passing again is not handed over, the error it wraps was', () => {
  const entry = errorHandlerEntries(
    '/srv/app/node_modules/graphql/error/locatedError.js',
    'function locatedError(rawOriginalError, nodes, path) {',
  )[0];
  assert.equal(entry?.handed, '(Array.isArray(rawOriginalError?.path) ? undefined : rawOriginalError)');
  const handed = new Function('rawOriginalError', `return ${entry!.handed}`) as (raw: unknown) => unknown;
  const thrown = new Error('resolver failed');
  assert.equal(handed(thrown), thrown);
  assert.equal(handed(Object.assign(new Error('resolver failed'), { path: ['order', 'total'] })), undefined);
  assert.equal(handed('a string thrown'), 'a string thrown');
  assert.equal(handed(undefined), undefined);
});

test("BullMQ 4's Worker: its handleFailed was a closure in processJob", () => {
  const path = '/srv/app/node_modules/bullmq/dist/cjs/classes/worker.js';
  const source = [
    '    async processJob(job, token) {',
    '        const handleFailed = async (err) => {',
    '            if (!this.connection.closing) {',
  ].join('\n');
  assert.deepEqual(errorHandlerEntries(path, source)[0], {
    framework: 'BullMQ (its Worker, as it fails a job)',
    lineNumber: 1,
    columnNumber: '        const handleFailed = async (err) => {'.length,
    parameter: 'err',
    handed: '(this.childPool ? undefined : err)',
  });
  // 5 and 6: a method whose defaults hold parentheses, after calls to it.
  const method = [
    'return this.handleFailed(new UnrecoverableError(m), job, token);',
    '    async handleFailed(err, job, token, fetchNextCallback = () => true, span) {',
  ].join('\n');
  assert.equal(errorHandlerEntries(path, method)[0]?.lineNumber, 1);
});

// Next's bundled route runtimes, minified on one line (15.5's head; 16 adds a parameter), and its
// route module's own file: the request comes first, the error second.
for (const [file, head] of [
  ['compiled/next-server/app-route.runtime.prod.js', 'async onRequestError(e,t,r,n){'],
  ['compiled/next-server/app-page.runtime.prod.js', 'async onRequestError(e,t,r,n,a){'],
  ['compiled/next-server/pages-api.runtime.prod.js', 'async onRequestError(e,t,r,i){'],
  ['compiled/next-server/app-page-turbo.runtime.dev.js', 'async onRequestError(req,err,errorContext,routerServerContext){'],
  ['server/route-modules/route-module.js', '    async onRequestError(req, err, errorContext, silenceLog, routerServerContext) {'],
] as const) {
  test(`Next.js's ${file}: onRequestError's second parameter is the error`, () => {
    const path = `/srv/app/node_modules/next/dist/${file}`;
    assert.equal(isErrorHandlerFile(path), true);
    const before = 'class tj{constructor(e){this.userland=e}';
    const entry = errorHandlerEntries(path, `${before}${head}console.error(t)}}`)[0];
    assert.equal(entry?.lineNumber, 0);
    assert.equal(entry?.columnNumber, before.length + head.length);
    assert.equal(entry?.parameter, head.includes('err,') ? 'err' : 't');
  });
}

test("Next.js 15.5: the route module's instrumentationOnRequestError, to which the API resolver hands a pages router API route's error, takes it first after the request", () => {
  const head = 'async instrumentationOnRequestError(e,...t){';
  for (const file of ['compiled/next-server/pages-api.runtime.prod.js', 'server/route-modules/route-module.js']) {
    const path = `/srv/app/node_modules/next/dist/${file}`;
    const entries = errorHandlerEntries(path, `class tj{${head}{let{join:i}=r("node:path")}}}`);
    assert.deepEqual(
      entries.map((e) => [e.columnNumber, e.parameter, e.handed]),
      [['class tj{'.length + head.length, 't', 't[0]']],
    );
  }
});

test("Next.js 15.0 to 15.3: the server's instrumentationOnRequestError takes the error first among its rest parameters", () => {
  const path = '/srv/app/node_modules/next/dist/server/base-server.js';
  const source = ['    }', '    async instrumentationOnRequestError(...args) {', '        const [err, req, ctx] = args;'].join('\n');
  assert.deepEqual(errorHandlerEntries(path, source)[0], {
    framework: 'Next.js (its server, as a request ends in an error)',
    lineNumber: 1,
    columnNumber: '    async instrumentationOnRequestError(...args) {'.length,
    parameter: 'args',
    handed: 'args[0]',
  });
});

test("Next.js 14: the server's catch around an app route handler, as 14.2's base-server.js writes it; 15.0's, which calls instrumentationOnRequestError first, is not taken for it", () => {
  const path = '/srv/app/node_modules/next/dist/server/base-server.js';
  const caught = '                    } catch (err) {';
  const next14 = [
    caught,
    '                        // If this is during static generation, throw the error again.',
    '                        if (isSSG) throw err;',
    '                        _log.error(err);',
  ].join('\n');
  assert.deepEqual(errorHandlerEntries(path, next14), [
    {
      framework: "Next.js 14 (its server, as an app route handler's error is answered 500)",
      lineNumber: 0,
      columnNumber: caught.length,
      parameter: 'err',
      handed: 'err',
    },
  ]);
  const next15 = [
    caught,
    '                        await this.instrumentationOnRequestError(err, req, {',
    "                            routerKind: 'App Router',",
    '                        });',
    '                        // If this is during static generation, throw the error again.',
    '                        if (isSSG) throw err;',
    '                        _log.error(err);',
  ].join('\n');
  assert.deepEqual(errorHandlerEntries(path, next15), []);
});

// React's error handler in Next's app-page runtimes (createErrorHandler's closure), minified on one
// line as the real files write it: 14.2.0 to 14.2.35 keep the first error under its digest; 14.0,
// 14.1 and 13.5 (heads copied from 14.0.4 and 13.5.11) keep none.
const APP_PAGE = '/srv/app/node_modules/next/dist/compiled/next-server/app-page.runtime.prod.js';
const REACT_HANDLER = "Next.js 13.5 and 14 (React's error handler, as a server component's or server action's error is answered)";
for (const [version, head, parameter, handed] of [
  [
    '14.2',
    'function ro({source:e,dev:t,isNextExport:r,errorLogger:n,digestErrorsMap:o,allCapturedErrors:i,silenceLogger:a}){return(s,l)=>{',
    's',
    "(typeof s?.digest !== 'string' ? s : o.get(s.digest))",
  ],
  [
    '14.0',
    'function t5({_source:e,dev:t,isNextExport:r,errorLogger:n,capturedErrors:o,allCapturedErrors:a,silenceLogger:i}){return e=>{',
    'e',
    "(typeof e?.digest !== 'string' ? e : undefined)",
  ],
  [
    '13.5',
    'function tA({_source:e,dev:t,isNextExport:r,errorLogger:n,capturedErrors:o,allCapturedErrors:a}){return e=>{',
    'e',
    "(typeof e?.digest !== 'string' ? e : undefined)",
  ],
] as const) {
  test(`Next.js ${version}'s app-page runtimes: React's error handler takes a server component's or server action's error`, () => {
    const before = 'let rn={serverComponents:"serverComponents",flightData:"flightData",html:"html"};';
    for (const path of [APP_PAGE, APP_PAGE.replace('.prod.', '.dev.'), APP_PAGE.replace('app-page', 'app-page-experimental')]) {
      const source = `${before}${head}var u;if(i&&i.push(${parameter}),rr(${parameter}))return ${parameter}.digest;console.error(${parameter})}}`;
      assert.deepEqual(errorHandlerEntries(path, source), [
        { framework: REACT_HANDLER, lineNumber: 0, columnNumber: before.length + head.length, parameter, handed },
      ]);
    }
  });
}

test("Next.js 14.2: React's handler hands over an error once, not the copy the HTML render makes of it nor Next's own signals", () => {
  const [entry] = errorHandlerEntries(
    APP_PAGE,
    'function ro({source:e,dev:t,isNextExport:r,errorLogger:n,digestErrorsMap:o,allCapturedErrors:i,silenceLogger:a}){return(s,l)=>{}}',
  );
  const handed = new Function('s', 'o', `return ${entry!.handed}`) as (error: unknown, kept: Map<string, unknown>) => unknown;
  const kept = new Map<string, unknown>();
  const thrown = new Error('only 0 of sku-1 left');
  assert.equal(handed(thrown, kept), thrown, 'the error a server component threw, before Next gives it a digest');
  kept.set('603374790', Object.assign(thrown, { digest: '603374790' }));
  const copy = Object.assign(new Error('An error occurred in the Server Components render.'), { digest: '603374790' });
  assert.equal(handed(copy, kept), thrown, "the HTML render's copy: the error it copies, handed over already");
  assert.equal(handed(Object.assign(new Error('NEXT_NOT_FOUND'), { digest: 'NEXT_NOT_FOUND' }), kept), undefined);
  assert.equal(handed('a string thrown', kept), 'a string thrown');

  const [older] = errorHandlerEntries(
    APP_PAGE,
    'function tA({_source:e,dev:t,isNextExport:r,errorLogger:n,capturedErrors:o,allCapturedErrors:a}){return e=>{}}',
  );
  const handedOlder = new Function('e', `return ${older!.handed}`) as (error: unknown) => unknown;
  assert.equal(handedOlder(thrown.message), thrown.message);
  assert.equal(handedOlder(new RangeError('x')) instanceof RangeError, true);
  assert.equal(handedOlder(copy), undefined, '13.5 to 14.1: the copy, and any signal, has a digest; the error a component threw has none');
});

test("Next.js 14 and 13.5: the server's logError, which logs a pages router page's error it answers 500", () => {
  const path = '/srv/app/node_modules/next/dist/server/base-server.js';
  const head = '    logError(err) {';
  for (const logger of ['_log.error', 'console.error'])
    assert.deepEqual(errorHandlerEntries(path, ['    }', head, '        if (this.quiet) return;', `        ${logger}(err);`].join('\n')), [
      {
        framework: "Next.js (its server's logError, as it answers an error 500: 13.5 and 14's pages router)",
        lineNumber: 1,
        columnNumber: head.length,
        parameter: 'err',
        handed: 'err',
      },
    ]);
  // Any other method of that name is not it.
  assert.deepEqual(errorHandlerEntries(path, `${head}\n        this.errors.push(err);`), []);
});

test("Next.js 14 and 13.5's pages-api runtimes: the API resolver's catch, as 14.2.35 and 13.5.11 write it", () => {
  const before = 'let N=s.default||s;await N(e,t)}';
  for (const [resolver, caught] of [
    ['14.2', 'catch(e){if(e instanceof h)m(t,e.statusCode,e.message);else{if(g)throw B(e)&&(e.page=y),e;'],
    ['13.5', 'catch(e){if(e instanceof O)P(r,e.statusCode,e.message);else{if(s)throw S(e)&&(e.page=d),e;'],
  ] as const)
    for (const file of ['pages-api.runtime.prod.js', 'pages-api.runtime.dev.js', 'pages-api-turbo.runtime.prod.js']) {
      const entries = errorHandlerEntries(`/srv/app/node_modules/next/dist/compiled/next-server/${file}`, `${before}${caught}}}`);
      assert.deepEqual(
        entries,
        [
          {
            framework: "Next.js 13.5 and 14 (its API resolver's catch, as an API route's error is answered)",
            lineNumber: 0,
            columnNumber: before.length + 'catch(e){'.length,
            parameter: 'e',
            handed: 'e',
          },
        ],
        `${resolver} ${file}`,
      );
    }
  // The runtime's other catches are not it.
  assert.deepEqual(
    errorHandlerEntries('/srv/app/node_modules/next/dist/compiled/next-server/pages-api.runtime.prod.js', 'try{a()}catch(e){return null}'),
    [],
  );
});

test("Next.js 15.0 to 15.3's bundled runtimes, without onRequestError: the log says where their errors are watched instead", () => {
  const path = '/srv/app/node_modules/next/dist/compiled/next-server/app-route.runtime.prod.js';
  assert.equal(errorHandlerEntries(path, 'class tj{async handle(e,t){}}')[0], undefined);
  assert.match(
    noErrorHandlerMessage(path) ?? '',
    /no error handler of a version the agent knows; Next 15\.0 to 15\.3 .* Next 14 .* watched instead$/,
  );
  assert.match(noErrorHandlerMessage('/srv/app/node_modules/koa/lib/context.js') ?? '', /captured only if thrown again uncaught$/);
});

test("Next.js's other files and the test stand-in's runtime are the files Next's are", () => {
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/next/dist/server/next-server.js'), false);
  assert.equal(isErrorHandlerFile('/srv/app/.next/server/app/api/reserve/route.js'), false);
  assert.equal(isFrameworkFile('/srv/app/.next/server/app/api/reserve/route.js'), false);
  assert.equal(isFrameworkFile('/srv/app/node_modules/next/dist/server/next-server.js'), true);
  assert.equal(isFrameworkFile('/srv/app/node_modules/nextjs-toploader/index.js'), false);
  assert.equal(isFrameworkFile('/srv/app/node_modules/bullmq/dist/cjs/classes/worker.js'), true);
  assert.equal(isFrameworkFile('/srv/app/node_modules/@apollo/server/dist/cjs/runHttpQuery.js'), true);
  // graphql 17's development build re-exports the file that has the function.
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/graphql/__dev__/error/locatedError.mjs'), false);
  const fixture = readFileSync(fromRoot('test/fixtures/handled-errors/next/app-route.runtime.prod.js'), 'utf8');
  const entry = errorHandlerEntries('/tmp/x/node_modules/next/dist/compiled/next-server/app-route.runtime.prod.js', fixture)[0];
  assert.equal(entry?.lineNumber, 0, 'minified on one line, as Next');
  assert.equal(entry?.parameter, 't');
});

/** Each of `paths` is read, and `source` gives one entry: `framework`'s, right after `head` on its second line, the parameter named `error`. */
function assertSecondLineEntry(paths: string[], source: string, head: string, framework: string, handed = 'error'): void {
  for (const path of paths) {
    assert.ok(isErrorHandlerFile(path), path);
    assert.deepEqual(errorHandlerEntries(path, source), [
      { framework, lineNumber: 1, columnNumber: head.length, parameter: 'error', handed },
    ]);
  }
}

test("SvelteKit's handle_error_and_jsonify: in the package under vite dev and in adapter-node's chunks; a build's server/index.js without it says nothing", () => {
  const head = 'async function handle_error_and_jsonify(event, state, options, error) {';
  assertSecondLineEntry(
    [
      '/srv/app/node_modules/@sveltejs/kit/src/runtime/server/utils.js',
      '/srv/app/.svelte-kit/output/server/chunks/utils.js',
      '/srv/app/build/server/chunks/chunks/utils.js-BJOWooTV.js',
      '/srv/app/build/server/index.js',
      // SvelteKit 3, Vite 8 (Rolldown), adapter-node 6: the chunk is named after another of its modules.
      '/srv/app/build/server/chunks/internal.js',
    ],
    `const a = 1;\n${head}\n  return {};\n}`,
    head,
    "SvelteKit (handle_error_and_jsonify, before the app's handleError)",
  );
  // Rollup renames a clashing copy; the error is still the fourth parameter.
  assert.equal(
    errorHandlerEntries('/srv/app/build/server/index.js', 'async function handle_error_and_jsonify$1(e, s, o, err) {}')[0]?.parameter,
    'err',
  );
  assert.equal(errorHandlerEntries('/srv/app/dist/server/index.js', 'export const app = express();')[0], undefined);
  assert.equal(noErrorHandlerMessage('/srv/app/dist/server/index.js'), undefined);
  // Any server chunk is read, a route's too, which has no such function and says nothing; Next's are not.
  const route = '/srv/app/build/server/chunks/entries/endpoints/api/orders/_server.ts.js-BvKvGtOh.js';
  assert.deepEqual(errorHandlerEntries(route, 'export const GET = () => handle_error_and_jsonify;'), []);
  assert.equal(noErrorHandlerMessage(route), undefined);
  assert.equal(isErrorHandlerFile('/srv/app/.next/server/chunks/611.js'), false);
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/some-lib/server/chunks/util.js'), false);
});

test("React Router 7's handleError in createRequestHandler: in the CommonJS index and in whichever ESM chunk holds it; its other chunks say nothing", () => {
  const head = '    let handleError = (error) => {';
  assertSecondLineEntry(
    [
      '/srv/app/node_modules/react-router/dist/development/index.js',
      '/srv/app/node_modules/react-router/dist/production/index.js',
      '/srv/app/node_modules/react-router/dist/development/chunk-IXMWVLYF.mjs',
      '/srv/app/node_modules/react-router/dist/production/chunk-D2GT6IUW.mjs',
    ],
    `  let requestHandler = async (request, initialContext) => {\n${head}\n      errorHandler(error, {});\n    };`,
    head,
    "React Router (its request handler's handleError, before the app's handleError in entry.server)",
    // React Router's own answers (a 404, a 405) hand over the Error their error response holds.
    '(error?.internal === true && error.error instanceof Error ? error.error : error)',
  );
  const other = '/srv/app/node_modules/react-router/dist/development/chunk-Z7SQORRT.mjs';
  assert.deepEqual(errorHandlerEntries(other, 'function errorHandler(error, routeId, nextResult) {}'), []);
  assert.equal(noErrorHandlerMessage(other), undefined);
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/react-router/dist/development/dom-export.mjs'), false);
  assert.equal(isErrorHandlerFile('/srv/app/build/server/index.js'), true, "SvelteKit's name, read and passed over");
  assert.equal(isFrameworkFile('/srv/app/node_modules/@react-router/express/dist/index.mjs'), true);
  assert.equal(isFrameworkFile('/srv/app/node_modules/react-router/dist/development/chunk-Z7SQORRT.mjs'), true);
});

test("Astro's app render catch: in the package and in a build's adapter chunk, Astro 5's (after its router line) and 4's; its other catches are passed over", () => {
  const astro5 = [
    '    } catch (err) {',
    '      this.#logger.error("router", "Error while trying to render the route " + routeData.route);',
    '      this.#logger.error(null, err.stack || err.message || String(err));',
    '      return this.#renderError(request, { locals, status: 500, error: err });',
    '    }',
  ].join('\n');
  const astro4 = '    } catch (err) {\n      this.#logger.error(null, err.stack || err.message || String(err));\n    }';
  const elsewhere = '    } catch (e) {\n      this.#logger.error("router", "no 500 page: " + e);\n    }';
  const framework = "Astro (its app's render, as it logs the error and renders the 500 page)";
  for (const path of [
    '/srv/app/node_modules/astro/dist/core/app/index.js',
    '/srv/app/dist/server/chunks/_@astrojs-ssr-adapter_C-_Nljhk.mjs',
    // Astro 7, Vite 8 (Rolldown), @astrojs/node 11: the chunk is named after another of its modules.
    '/srv/app/dist/server/chunks/server_CgG1qGN_.mjs',
  ]) {
    for (const source of [astro5, astro4]) {
      assert.deepEqual(errorHandlerEntries(path, `    try {\n${elsewhere}\n${source}`), [
        { framework, lineNumber: 4, columnNumber: '    } catch (err) {'.length, parameter: 'err', handed: 'err' },
      ]);
    }
  }
  assert.equal(isErrorHandlerFile('/srv/app/dist/server/pages/api/orders.astro.mjs'), false);
  // Any server chunk is read (Astro 7's routes are chunks too): one without the catch says nothing.
  assert.equal(noErrorHandlerMessage('/srv/app/dist/server/chunks/reserve__mn0RBd7.mjs'), undefined);
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/some-lib/dist/server/chunks/util.mjs'), false);
  assert.equal(isErrorHandlerFile('/srv/app/dist/server/entry.mjs'), false);
  assert.equal(isFrameworkFile('/srv/app/node_modules/astro/dist/core/render-context.js'), true);
  assert.equal(isFrameworkFile('/srv/app/node_modules/@astrojs/node/dist/serve-app.js'), true);
});

// socket.io 4 runs a namespace's and a socket's middlewares through the same callback: the
// breakpoint goes before its `return fn(err)`, reached only by a middleware's next(err).
for (const file of ['node_modules/socket.io/dist/namespace.js', 'node_modules/socket.io/dist/socket.js']) {
  test(`socket.io's ${file}: the middleware callback's error branch, not each connection or event`, () => {
    const path = fromRoot(file);
    const source = readFileSync(path, 'utf8');
    const [entry, ...others] = errorHandlerEntries(path, source);
    assert.equal(others.length, 0);
    assert.match(entry?.framework ?? '', /^socket\.io/);
    assert.equal(entry?.parameter, 'err');
    const rest = source.split('\n').slice(entry!.lineNumber).join('\n').slice(entry!.columnNumber);
    assert.match(rest, /^\s*return fn\(err\);/, 'the breakpoint goes before the statement only an error reaches');
  });
}

test("socket.io's middleware callback written as a function expression (as an older build may) is found too", () => {
  const source = [
    '        function run(i) {',
    '            fns[i](socket, function (err) {',
    '                if (err) return fn(err);',
  ].join('\n');
  const entry = errorHandlerEntries('/srv/app/node_modules/socket.io/dist/namespace.js', source)[0];
  assert.equal(entry?.lineNumber, 2);
  assert.equal(source.split('\n')[2]?.slice(entry.columnNumber), 'return fn(err);');
  assert.equal(isFrameworkFile('/srv/app/node_modules/engine.io/build/socket.js'), true);
});

test("the Vite dev servers' framework files: SvelteKit 3's errors.js (sync, three parameters), named by Vite's module runner with its ?v= query; React Router 8's lib/server-runtime/server.js; Astro 7's core/routing/handler.js", () => {
  // As SvelteKit 3.4, React Router 8.5 and Astro 7.4 write them.
  const kit = 'export function handle_error_and_jsonify(event, state, error) {';
  assertSecondLineEntry(
    [
      '/srv/app/node_modules/@sveltejs/kit/src/runtime/server/errors.js?v=8ae875b0',
      '/srv/app/node_modules/@sveltejs/kit/src/runtime/server/errors.js',
    ],
    `import { hooks } from './internal.js';\n${kit}\n  return {};\n}`,
    kit,
    "SvelteKit (handle_error_and_jsonify, before the app's handleError)",
  );
  assert.equal(isErrorHandlerFile('/srv/app/node_modules/@sveltejs/kit/src/runtime/server/respond.js?v=8ae875b0'), false);
  const rr = '\t\tlet handleError = (error) => {';
  assertSecondLineEntry(
    ['/srv/app/node_modules/react-router/dist/development/lib/server-runtime/server.js'],
    `\treturn async function requestHandler(request, initialContext) {\n${rr}\n\t\t\terrorHandler(error, {});\n\t\t};`,
    rr,
    "React Router (its request handler's handleError, before the app's handleError in entry.server)",
    '(error?.internal === true && error.error instanceof Error ? error.error : error)',
  );
  const astro = '\t} catch (err) {\n\t\tstate.logger.error(null, err.stack || err.message || String(err));\n\t}';
  assert.deepEqual(errorHandlerEntries('/srv/app/node_modules/astro/dist/core/routing/handler.js', `\ttry {\n${astro}`), [
    {
      framework: "Astro (its app's render, as it logs the error and renders the 500 page)",
      lineNumber: 1,
      columnNumber: '\t} catch (err) {'.length,
      parameter: 'err',
      handed: 'err',
    },
  ]);
});

test("`next dev`'s server (13.4.19, 13.5.11, 14.2.35): the method that logs every error it answers itself, past logError", () => {
  const path = '/srv/app/node_modules/next/dist/server/dev/next-dev-server.js';
  const head = '    async logErrorWithOriginalStack(err, type) {';
  assert.deepEqual(
    errorHandlerEntries(path, ['    }', head, '        await this.bundlerService.logErrorWithOriginalStack(err, type);'].join('\n')),
    [
      {
        framework: "Next.js (its dev server's logErrorWithOriginalStack, as `next dev` logs an error it answers)",
        lineNumber: 1,
        columnNumber: head.length,
        parameter: 'err',
        handed: 'err',
      },
    ],
  );
});

test("Next.js 13.4 (13.4.19's files, before the bundled runtimes): React's error handler and the API resolver's catch in their own files", () => {
  const handler = [
    'function createErrorHandler({ /**',
    '   * Used for debugging',
    '   */ _source , dev , isNextExport , errorLogger , capturedErrors , allCapturedErrors  }) {',
    '    return (err)=>{',
    '        var _err_message;',
  ].join('\n');
  const [entry, ...more] = errorHandlerEntries('/srv/app/node_modules/next/dist/server/app-render/create-error-handler.js', handler);
  assert.deepEqual(more, []);
  assert.deepEqual(
    { ...entry, handed: undefined },
    {
      framework: "Next.js 13.4 (React's error handler, as a server component's or server action's error is answered)",
      lineNumber: 3,
      columnNumber: '    return (err)=>{'.length,
      parameter: 'err',
      handed: undefined,
    },
  );
  const handed = new Function('err', `return ${entry!.handed}`) as (error: unknown) => unknown;
  const thrown = new Error('x');
  assert.equal(handed(thrown), thrown);
  assert.equal(
    handed(Object.assign(new Error('NEXT_NOT_FOUND'), { digest: 'NEXT_NOT_FOUND' })),
    undefined,
    "Next's signals and the HTML render's copies have a digest",
  );

  const resolver = [
    '    } catch (err) {',
    '        if (err instanceof _index.ApiError) {',
    '            (0, _index.sendError)(apiRes, err.statusCode, err.message);',
  ].join('\n');
  assert.deepEqual(
    errorHandlerEntries('/srv/app/node_modules/next/dist/server/api-utils/node.js', resolver).map((e) => [e.lineNumber, e.parameter]),
    [[0, 'err']],
  );
});
