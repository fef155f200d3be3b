import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorHandlerEntries, isErrorHandlerFile, isFrameworkFile } from '../../../agent/src/worker/error-handlers.js';
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
    assert.match(line, new RegExp(`\\(\\s*(\\w+\\s*,\\s*)?${parameter}\\b`), 'on the line that names the error');
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
