/**
 * A real Express app: a log action reads `req.headers['user-agent']` (a memoizing getter of
 * Node's IncomingMessage) and the fields of a URL the handler holds, on both install paths,
 * and the app's responses stay the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, startApp, waitFor } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/express-headers.cjs';
const TEMPLATE =
  "ua={req.headers['user-agent']} path={url.pathname} host={url.hostname} q={url.search} n={params.size} sent={res.headersSent}";
const EXPECTED = 'ua=probe-test/1.0 path=/items/7 host=shop.internal q=?color=green&size=m n=2 sent=false';

const call = async (url: string): Promise<string> =>
  (await fetch(`${url}/items/7?color=green&size=m`, { headers: { 'user-agent': 'probe-test/1.0' } })).text();

for (const [path, env, installedAs] of [
  ['breakpoint', {}, /^breakpoint/],
  ['prepared site', { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' }, /^prepared site/],
] as const) {
  test(`express: a log reads req.headers['user-agent'] and a URL's fields on a ${path}, and the response is unchanged`, async (t) => {
    const cp = await controlPlane(t);
    const service = await startApp({ script: APP, broker: cp.mqttUrl, tags: ['e2e'], module: 'cjs', env });
    t.after(() => service.stop());
    const before = await call(service.url);
    assert.deepEqual(JSON.parse(before), { id: '7', agent: 'probe-test/1.0', query: '?color=green&size=m' });

    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const { action } = await addAction(cp, {
      type: 'log',
      file: APP,
      line: lineOf(APP, 'headers-line'),
      template: TEMPLATE,
      tags: ['e2e'],
    });
    await waitFor(
      async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed' && installedAs.test(s.message ?? '')),
      WAIT,
      `installed as a ${path}`,
    );
    assert.equal(await call(service.url), before, 'the app answers the same');
    const line = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id, WAIT, 'the line');
    assert.equal((line.data as OutputEvent).message, EXPECTED);
    const statuses = (await getAction(cp, action.id)).statuses;
    assert.ok(!statuses.some((s) => s.state === 'error'), `no expression error: ${JSON.stringify(statuses)}`);
  });
}

test("express's req.path and req.hostname run only when LIVEPROBE_FRAMEWORK_GETTERS lists them", async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const line = async (tag: string, env: Record<string, string>): Promise<string> => {
    const service = await startApp({ script: APP, broker: cp.mqttUrl, tags: [tag], module: 'cjs', env });
    t.after(() => service.stop());
    const { action } = await addAction(cp, {
      type: 'log',
      file: APP,
      line: lineOf(APP, 'headers-line'),
      template: '{req.path} on {req.hostname}',
      tags: [tag],
    });
    await waitFor(async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed'), WAIT, `installed (${tag})`);
    await call(service.url);
    const event = await events.waitFor(
      (e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id,
      WAIT,
      `the line (${tag})`,
    );
    return (event.data as OutputEvent).message;
  };
  assert.equal(await line('opted-in', { LIVEPROBE_FRAMEWORK_GETTERS: 'express:path,express:hostname' }), '/items/7 on 127.0.0.1');
  assert.equal(
    await line('default', {}),
    "<`req.path` is a getter; liveprobe never runs getters, except a framework's own listed in the agent's LIVEPROBE_FRAMEWORK_GETTERS: add express:path to run this one> " +
      "on <`req.hostname` is a getter; liveprobe never runs getters, except a framework's own listed in the agent's LIVEPROBE_FRAMEWORK_GETTERS: add express:hostname to run this one>",
  );
});
