// Removing the last exception action: the app's thrown errors stop pausing it. The agent used to
// close its exception session while V8 still paused at every thrown error, so the app's next
// error stopped the main thread with nobody left to resume it (found on a Hono service, whose
// token check throws and catches on a malformed token): the app never answered again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SseEvent, sseEvents } from '../helpers/index.js';
import { addAction, app, controlPlane, deleteAction, installed } from './fixtures.js';

const WAIT = 15_000;
const APP = 'test/fixtures/handled-errors/token-check.cjs';

const removed = (actionId: string) => (event: SseEvent) => {
  const data = event.data as { actionId: string; state: string };
  return event.event === 'action_status' && data.actionId === actionId && data.state === 'removed';
};

test('after the last exception action is removed, an error the app throws and catches does not stop it', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs', agentId: 'token-check-1' });
  // A line action waiting for its file keeps the agent's other session open, as on that service.
  await addAction(cp, { type: 'log', file: 'src/not-loaded.ts', line: 3, template: 'waits', agents: ['token-check-1'] });
  const { action } = await addAction(cp, { type: 'exception', agents: ['token-check-1'] });
  assert.match(await installed(cp, action.id), /^installed: breakpoint path/);

  await deleteAction(cp, action.id);
  await events.waitFor(removed(action.id), WAIT, 'the agent takes the action out');
  // Abandoned at WAIT so a stopped app fails the test instead of hanging it.
  const answer = await fetch(shop.url, { headers: { authorization: 'not.a.token' }, signal: AbortSignal.timeout(WAIT) }).catch(
    (err: unknown) => assert.fail(`the app did not answer (${(err as Error).name}): its main thread stayed paused at a thrown error`),
  );
  assert.equal(answer.status, 401);
});
