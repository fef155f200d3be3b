/** A duration named by its function reads `file:function` wherever the CLI shows an action, never `file:0`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, startControlPlane } from '../helpers/index.js';

test('`actions` and `actions show` print a duration by function as file:function', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const file = 'examples/shop/src/server.ts';
  const added = await cli(['duration', 'add', `${file}:checkout`, '--name', 'shop.checkout.time', '--tag', 'e2e'], { server: cp.url });
  assert.equal(added.code, 0, added.stderr);
  const id = /created (act_\w+) \(duration at examples\/shop\/src\/server\.ts:checkout\)/.exec(added.stdout)?.[1];
  assert.ok(id, added.stdout);
  const list = await cli(['actions'], { server: cp.url });
  assert.match(list.stdout, new RegExp(`${id} +duration +${file}:checkout `));
  const shown = await cli(['actions', 'show', id], { server: cp.url });
  assert.match(shown.stdout, new RegExp(`location +${file}:checkout$`, 'm'));
  assert.doesNotMatch(`${list.stdout}${shown.stdout}`, /server\.ts:0\b/);
});
