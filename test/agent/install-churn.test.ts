// Actions installed and removed again and again while the app serves requests without pause:
// after each burst the agent's worker releases its heap (worker/heap-release.ts) while the app's
// thread runs, compiles and collects. The app must live through it and keep answering. (The
// release once turned V8's process-wide flags on and off, which crashed apps: trial19's SIGSEGVs.
// This scenario runs a handful of releases, too few to crash the old code reliably; the loop in
// test/agent/worker/heap-release.test.ts runs hundreds and does.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lineOf } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, deleteAction, installed, SHOP } from './fixtures.js';

const LINES = ['checkout-return', 'order-created', 'line-amount', 'product-lookup'].map((probe) => lineOf(SHOP, probe));
/** Past the 5 s after a burst's last install at which the worker releases its heap. */
const PAST_RELEASE_MS = 6000;

test('the app keeps answering while actions come and go under load', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, { broker: cp.mqttUrl, agentId: 'churn-1' });
  let died: string | undefined;
  void shop.exited.then((code) => {
    died = `the app exited (${String(code)}) while actions came and went`;
  });
  let loading = true;
  let sent = 0;
  let answered = 0;
  const loop = async () => {
    while (loading && died === undefined) {
      const response = await checkout(shop.url, sent++ % 2 === 0 ? 'u1' : 'u2').catch(() => undefined);
      if (response?.ok) answered++;
      await response?.arrayBuffer();
    }
  };
  const loops = Array.from({ length: 4 }, loop);
  try {
    for (let round = 0; round < 4 && died === undefined; round++) {
      const ids: string[] = [];
      for (const [k, line] of LINES.entries()) {
        const { action } = await addAction(cp, {
          type: 'log',
          file: SHOP,
          line,
          template: `round ${round} line ${k}`,
          condition: "userId == 'u2'",
          tags: ['e2e'],
        });
        ids.push(action.id);
      }
      for (const id of ids) await installed(cp, id);
      await sleep(PAST_RELEASE_MS);
      for (const id of ids) await deleteAction(cp, id);
      await sleep(PAST_RELEASE_MS);
    }
  } finally {
    loading = false;
    await Promise.all(loops);
  }
  assert.equal(died, undefined, died);
  assert.ok(answered > 0, 'the load loops got answers');
  const last = await checkout(shop.url, 'u1');
  assert.equal(last.status, 200, 'the app still answers after the churn');
});
