/**
 * `actions edit`, `disable` and `enable` wait (bounded) for the agents running the action to
 * answer the change and print the action as it is then, with each agent's answer; `--json`
 * gives the same, its statuses the ones the answers were read from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionView } from '@liveprobe/protocol';
import { cli, lineOf, waitFor } from '../helpers/index.js';
import { checkout } from '../agent/fixtures.js';
import { shopOnline } from './shop-online.js';

const SERVER_TS = 'examples/shop/src/server.ts';

interface Changed {
  action: ActionView;
  outcomes: { agentId: string; outcome: string; status?: ActionView['statuses'][number] }[];
}

test('edit, disable and enable print what each agent made of the change, not the state before it', async (t) => {
  const { server } = await shopOnline(t, 'shop-change');

  const line = lineOf(SERVER_TS, 'checkout-return');
  const added = await cli(['log', 'add', `${SERVER_TS}:${line}`, 'order {order.id}', '--tag', 'e2e', '--json'], server);
  assert.equal(added.code, 0, added.stderr);
  const { id } = (JSON.parse(added.stdout) as Changed).action;

  const edited = await cli(['actions', 'edit', id, '--template', 'paid {order.id}'], server);
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(edited.stdout, new RegExp(`^edited ${id} \\(active: installed on 1/1 agent\\)$`, 'm'));
  assert.match(edited.stdout, new RegExp(`^ {2}shop-change: installed at \\S*examples/shop/src/server\\.ts:${line} \\(`, 'm'));

  const editedJson = await cli(['actions', 'edit', id, '--level', 'warn', '--json'], server);
  assert.equal(editedJson.code, 0, editedJson.stderr);
  const answer = JSON.parse(editedJson.stdout) as Changed;
  assert.deepEqual(
    answer.outcomes.map((o) => [o.agentId, o.outcome]),
    [['shop-change', 'installed']],
  );
  assert.deepEqual(answer.action.statuses, [answer.outcomes[0]?.status], 'the statuses the outcome was read from');
  assert.equal(answer.action.summary, 'installed on 1/1 agent');

  const disabled = await cli(['actions', 'disable', id], server);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.equal(disabled.stdout, `disabled ${id} (disabled: off every agent)\n  shop-change: removed\n`);
  const listed = await cli(['actions'], server);
  assert.match(listed.stdout, new RegExp(`^${id} .* disabled: off every agent `, 'm'));

  const enabled = await cli(['actions', 'enable', id, '--json'], server);
  assert.equal(enabled.code, 0, enabled.stderr);
  const back = JSON.parse(enabled.stdout) as Changed;
  assert.equal(back.action.state, 'active');
  assert.equal(back.action.summary, 'installed on 1/1 agent');
  assert.deepEqual(
    back.outcomes.map((o) => [o.agentId, o.outcome]),
    [['shop-change', 'installed']],
  );
});

test('disabling an action an agent already took out (its hit limit) says so at once instead of waiting for an answer', async (t) => {
  const { shop, server } = await shopOnline(t, 'shop-ended');

  const line = lineOf(SERVER_TS, 'checkout-return');
  const added = await cli(['log', 'add', `${SERVER_TS}:${line}`, 'order {order.id}', '--tag', 'e2e', '--max-hits', '1', '--json'], server);
  assert.equal(added.code, 0, added.stderr);
  const { id } = (JSON.parse(added.stdout) as Changed).action;
  await checkout(shop.url);
  await waitFor(async () => (await cli(['actions', 'show', id], server)).stdout.includes('hit_limit'), 15_000, 'the hit limit reported');

  const disabled = await cli(['actions', 'disable', id], server);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match(disabled.stdout, new RegExp(`^disabled ${id} \\(disabled: off every agent\\)$`, 'm'));
  assert.match(disabled.stdout, /^ {2}shop-ended: off \(it was not running it: hit_limit/m);
  assert.doesNotMatch(disabled.stdout, /no answer/);
});
