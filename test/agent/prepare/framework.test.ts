/**
 * A real framework app (Express 4) with the app and every file under node_modules prepared
 * serves byte-identical responses to the original, with flags off and with one site on, and
 * the site's action fires.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, startApp, waitFor } from '../../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, installed } from '../fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/prepared/express-app.cjs';

const REQUESTS: [string, RequestInit?][] = [
  ['/orders/1'],
  ['/orders/7'],
  ['/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 3, items: ['mug'] }) }],
  ['/orders/2'],
  ['/search?q=green%20tea'],
  ['/fail'],
  ['/nowhere'],
  ['/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad json' }],
];

async function responses(url: string): Promise<string[]> {
  const out: string[] = [];
  for (const [path, init] of REQUESTS) {
    const response = await fetch(`${url}${path}`, init);
    const headers = [...response.headers].filter(([name]) => name !== 'date' && name !== 'keep-alive' && name !== 'connection');
    // Express's own error page carries the stack: prepared frames read as the original's, so it is compared whole.
    const body = await response.text();
    out.push(JSON.stringify({ path, status: response.status, headers, body }));
  }
  return out;
}

test('express 4, app and framework prepared in full, serves identical responses with flags off and with a site on', async (t) => {
  const cp = await controlPlane(t);
  const original = await startApp({ script: APP, broker: cp.mqttUrl, tags: ['original'], module: 'esm' });
  t.after(() => original.stop());
  const prepared = await startApp({
    script: APP,
    broker: cp.mqttUrl,
    tags: ['prepared'],
    agentId: 'express-prepared',
    module: 'esm',
    env: {
      LIVEPROBE_PREPARE: `${fromRoot(APP)},${fromRoot('node_modules')}/**`,
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_LOG_LEVEL: 'debug',
    },
  });
  t.after(() => prepared.stop());
  await waitFor(() => /prepared \d{2,} files/.test(prepared.output()), WAIT, 'the start-up report');
  assert.match(prepared.output(), /prepared \d{2,} files \(\d+ transformed/);

  const expected = await responses(original.url);
  assert.deepEqual(await responses(prepared.url), expected, 'flags off');

  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, {
    type: 'log',
    file: APP,
    line: lineOf(APP, 'express-order'),
    template: 'order {req.params.id}',
    tags: ['prepared'],
  });
  assert.equal(await installed(cp, action.id, WAIT), 'installed: prepared site (no breakpoint)');
  // The app keeps state (POST adds an order): the original takes the same second round.
  assert.deepEqual(await responses(prepared.url), await responses(original.url), 'one site on');
  await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'order 7', WAIT, 'the action fired');
});
