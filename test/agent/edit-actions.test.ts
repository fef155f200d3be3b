// Editing an action in place (PATCH /api/v1/actions/{id}, `liveprobe actions edit|disable|enable`):
// a running agent converges on the new definition, keeping the hit count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent, ActionStatusEvent } from '@liveprobe/protocol';
import { cli, lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, getAction, installed, SHOP } from './fixtures.js';

const WAIT = 15_000;
const RETURN_LINE = lineOf(SHOP, 'checkout-return');

const printed = (events: SseEvent[], actionId: string) =>
  events.filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId).map((e) => (e.data as OutputEvent).message);
const status = (actionId: string, state: string) => (e: SseEvent) =>
  e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId && (e.data as ActionStatusEvent).state === state;
const hitsOf = (action: { statuses: { hits: number }[] }) => action.statuses.reduce((sum, s) => sum + s.hits, 0);

test('editing a condition and template changes what the agent prints; the hits count on toward the same limit', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, { broker: cp.mqttUrl, agentId: 'edit-1' });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: RETURN_LINE,
    template: 'before {userId}',
    condition: "userId == 'u1'",
    maxHits: 3,
    tags: ['e2e'],
  });
  await installed(cp, action.id);
  await checkout(shop.url, 'u1');
  await checkout(shop.url, 'u1');
  await waitFor(() => printed(events.events(), action.id).length === 2, WAIT, 'two lines before the edit');
  await waitFor(async () => hitsOf(await getAction(cp, action.id)) === 2, WAIT, 'two hits counted');

  const edited = await cli(['actions', 'edit', action.id, '--condition', "userId == 'u2'", '--template', 'after {userId} paid {amount}'], {
    server: cp.url,
  });
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(edited.stdout, new RegExp(`^edited ${action.id} \\(active: `));
  const shown = await getAction(cp, action.id);
  assert.equal(hitsOf(shown), 2, 'the edit keeps the hits');
  assert.equal((shown as unknown as { condition: string }).condition, "userId == 'u2'");
  // The agent reports `installed` again once it runs the new definition.
  await events.waitFor(
    (e) => status(action.id, 'installed')(e) && events.events().filter(status(action.id, 'installed')).length >= 2,
    WAIT,
    'reinstalled',
  );

  await checkout(shop.url, 'u1'); // the old condition would print this one
  await checkout(shop.url, 'u2');
  await events.waitFor(status(action.id, 'hit_limit'), WAIT, 'the third hit in all reaches the limit of 3');
  const lines = printed(events.events(), action.id);
  assert.deepEqual(lines, ['before u1', 'before u1', lines[2]]);
  assert.match(lines[2] ?? '', /^after u2 paid \d+(\.\d+)?$/);
  await waitFor(async () => hitsOf(await getAction(cp, action.id)) === 3, WAIT, 'three hits counted');
});

test('disable takes an action off the agent and keeps its hits; enable puts it back', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, { broker: cp.mqttUrl, agentId: 'edit-2', env: { LIVEPROBE_LOG_LEVEL: 'debug' } });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, { type: 'log', file: SHOP, line: RETURN_LINE, template: 'order for {userId}', tags: ['e2e'] });
  await installed(cp, action.id);
  await checkout(shop.url, 'u1');
  await waitFor(async () => hitsOf(await getAction(cp, action.id)) === 1, WAIT, 'one hit counted');

  const disabled = await cli(['actions', 'disable', action.id], { server: cp.url });
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match(disabled.stdout, new RegExp(`^disabled ${action.id} \\(disabled: `));
  await events.waitFor(status(action.id, 'removed'), WAIT, 'the agent removed it');
  await checkout(shop.url, 'u1'); // not printed: the action is off the agent
  const listed = JSON.parse((await cli(['actions', '--json'], { server: cp.url })).stdout) as {
    actions: { id: string; state: string; enabled?: boolean; template: string; statuses: { hits: number }[] }[];
  };
  const kept = listed.actions.find((a) => a.id === action.id);
  assert.equal(kept?.state, 'disabled');
  assert.equal(kept?.template, 'order for {userId}', 'the definition stays');
  assert.equal(hitsOf(kept!), 1, 'the hits stay');

  const enabled = await cli(['actions', 'enable', action.id], { server: cp.url });
  assert.equal(enabled.code, 0, enabled.stderr);
  await events.waitFor(
    (e) => status(action.id, 'installed')(e) && events.events().filter(status(action.id, 'installed')).length >= 2,
    WAIT,
    'installed again',
  );
  await checkout(shop.url, 'u2');
  await waitFor(() => printed(events.events(), action.id).includes('order for u2'), WAIT, 'the line after enable');
  assert.deepEqual(printed(events.events(), action.id), ['order for u1', 'order for u2'], 'nothing printed while disabled');
  assert.equal((await getAction(cp, action.id)).state, 'active');
});
