/**
 * Each platform getter an expression may run gives the value the app reads, and leaves nothing
 * the app can observe changed: the object's own keys and string-keyed values, and what the
 * app's own later read returns. Getters of the same name the app defines stay refused.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { checkExpression } from '@liveprobe/protocol';
import { compileExpression } from '../../../agent/src/main/compile.js';
import { ProbeEvalError } from '../../../agent/src/main/safe-read.js';

function evaluate(source: string, scope: Record<string, unknown>): unknown {
  const checked = checkExpression(source);
  return compileExpression(checked.expr, checked.roots)({ values: checked.roots.map((r) => scope[r]), self: undefined });
}

/**
 * What the app can see of an object without running its getters: own keys, and string-keyed
 * data values (by identity, or, to compare with another object, primitives and kinds).
 */
function observable(object: object, identity = true): unknown[] {
  return Reflect.ownKeys(object).map((key) => {
    const d = Object.getOwnPropertyDescriptor(object, key)!;
    const value: unknown = 'value' in d ? d.value : `getter ${typeof d.get}`;
    const shown = identity || value === null || (typeof value !== 'object' && typeof value !== 'function') ? value : typeof value;
    return [String(key), typeof key === 'string' ? shown : typeof value];
  });
}

/**
 * Reads `getter` of `object` through an expression and checks that the app's own read gets
 * the same, and that the object looks the same afterwards as an untouched `twin`.
 */
function readsWithoutTrace(name: string, object: object, twin: object, getter: string): void {
  const before = observable(object);
  const probed = evaluate(`o.${getter}`, { o: object });
  assert.deepEqual(observable(object), before, `${name}.${getter}: own properties unchanged`);
  const appRead = (object as Record<string, unknown>)[getter];
  assert.deepEqual(probed, appRead, `${name}.${getter}: the probe read what the app reads`);
  assert.deepEqual(
    appRead,
    (twin as Record<string, unknown>)[getter],
    `${name}.${getter}: the app reads what it would have without the probe`,
  );
  assert.deepEqual(observable(object, false), observable(twin, false), `${name}.${getter}: same as an object never probed`);
}

function refused(source: string, scope: Record<string, unknown>): string {
  try {
    evaluate(source, scope);
  } catch (err) {
    assert.ok(err instanceof ProbeEvalError);
    return err.message;
  }
  assert.fail(`${source} ran`);
}

async function twoRequests(): Promise<[[IncomingMessage, ServerResponse], [IncomingMessage, ServerResponse]]> {
  const got: [IncomingMessage, ServerResponse][] = [];
  let release: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = createServer((req, res) => {
    got.push([req, res]);
    if (got.length === 2) release();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/a/b?x=1`;
  const headers = { 'user-agent': 'probe-test/1.0', 'x-tag': 'one', cookie: 'a=1' };
  const calls = [fetch(url, { headers }), fetch(url, { headers })];
  await done;
  for (const [, res] of got) res.end('ok');
  await Promise.all(calls.map(async (c) => (await c).text()));
  server.close();
  return [got[0]!, got[1]!];
}

test("IncomingMessage.headers (memoizing), ServerResponse.headersSent and writableEnded read like the app's own first read", async () => {
  const [[req, res], [twinReq, twinRes]] = await twoRequests();
  // The twin builds its headers through the app's own read, as a handler would.
  readsWithoutTrace('req', req, twinReq, 'headers');
  assert.equal(evaluate("req.headers['user-agent']", { req }), 'probe-test/1.0');
  readsWithoutTrace('res', res, twinRes, 'headersSent');
  readsWithoutTrace('res', res, twinRes, 'writableEnded');
});

test('URL fields and URLSearchParams.size read without changing the URL', () => {
  const make = () => new URL('https://user:pw@shop.example:8443/items/7?color=green&size=m#top');
  const url = make();
  const twin = make();
  for (const field of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']) {
    readsWithoutTrace('url', url, twin, field);
  }
  assert.equal(evaluate('url.pathname', { url }), '/items/7');
  readsWithoutTrace('params', new URLSearchParams('a=1&b=2&a=3'), new URLSearchParams('a=1&b=2&a=3'), 'size');
  assert.equal(url.href, twin.href);
});

test('AbortSignal.aborted and reason, Map/Set size and Buffer/typed array lengths', () => {
  const controller = new AbortController();
  controller.abort(new Error('gone'));
  const twin = new AbortController();
  twin.abort(controller.signal.reason);
  readsWithoutTrace('signal', controller.signal, twin.signal, 'aborted');
  readsWithoutTrace('signal', controller.signal, twin.signal, 'reason');
  readsWithoutTrace('map', new Map([[1, 2]]), new Map([[1, 2]]), 'size');
  readsWithoutTrace('set', new Set([1, 2, 3]), new Set([1, 2, 3]), 'size');
  readsWithoutTrace('buffer', Buffer.from('héllo'), Buffer.from('héllo'), 'length');
  readsWithoutTrace('floats', new Float64Array(4), new Float64Array(4), 'byteLength');
});

test("fetch's Request and Response fields, once Node has loaded fetch for the app", async () => {
  const make = () => new Request('https://shop.example/orders?id=7', { method: 'POST', headers: { 'x-tag': 'one' }, body: 'x' });
  const request = make();
  const twin = make();
  for (const field of ['method', 'url', 'redirect', 'bodyUsed', 'mode', 'credentials', 'cache', 'keepalive']) {
    readsWithoutTrace('request', request, twin, field);
  }
  assert.equal(evaluate('request.method', { request }), 'POST');
  const response = new Response('hi', { status: 201, statusText: 'Created' });
  const twinResponse = new Response('hi', { status: 201, statusText: 'Created' });
  for (const field of ['status', 'ok', 'statusText', 'type', 'redirected', 'bodyUsed'])
    readsWithoutTrace('response', response, twinResponse, field);
  assert.equal(evaluate('response.status', { response }), 201);
});

test('an app getter with a platform name, or a platform getter whose helpers the app replaced, stays refused', async () => {
  let ran = 0;
  class TrackedURL extends URL {
    override get pathname(): string {
      ran++;
      return 'mine';
    }
  }
  assert.match(refused('url.pathname', { url: new TrackedURL('https://a.example/x') }), /`url.pathname` is a getter/);
  const own = Object.defineProperty({}, 'size', {
    get: () => {
      ran++;
      return 1;
    },
  });
  assert.match(refused('o.size', { o: own }), /is a getter/);
  // `headers` calls this._addHeaderLine: an app that replaced it would run inside the getter.
  const [[req]] = await twoRequests();
  Object.defineProperty(req, '_addHeaderLine', {
    value: () => {
      ran++;
    },
  });
  assert.match(refused('req.headers', { req }), /`req.headers` is a getter/);
  assert.equal(ran, 0, 'no app getter ran');
});
