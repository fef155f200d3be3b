// The agent side of trust: with LIVEPROBE_PUBLIC_KEY set, an agent applies only desired state
// the control plane signed for that topic; unsigned, forged, moved and replayed messages are
// refused and reported, and the real actions keep working.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { desiredStateSigningInput, type DesiredState, type DroppedEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, SHOP } from './fixtures.js';

const WAIT = 15_000;
const refused = (pattern: RegExp) => (e: SseEvent) => e.event === 'dropped' && pattern.test((e.data as DroppedEvent).reason);

test('an agent given the public key applies signed desired state and refuses unsigned, forged, moved and replayed ones', async (t) => {
  const cp = await controlPlane(t);
  const publicKey = /LIVEPROBE_PUBLIC_KEY=(\S+)/.exec(cp.output())?.[1];
  assert.ok(publicKey, `liveprobe up printed no public key:\n${cp.output()}`);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { broker: cp.mqttUrl, tags: ['signed'], agentId: 'shop-s', env: { LIVEPROBE_PUBLIC_KEY: publicKey } });

  const line = lineOf(SHOP, 'checkout-return');
  const first = await addAction(cp, { type: 'log', file: SHOP, line, template: 'real {order.id}', tags: ['signed'] });
  await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string; state: string }).actionId === first.action.id &&
      (e.data as { state: string }).state === 'installed',
    WAIT,
    'the signed action installed',
  );

  // Whoever can publish to the broker: here, a plain client of the embedded one.
  const intruder = await mqtt.connectAsync(cp.mqttUrl, { reconnectPeriod: 0 });
  t.after(() => intruder.endAsync());
  const tagTopic = 'liveprobe/v1/tags/signed/actions';
  const retained = new Map<string, string>();
  intruder.on('message', (topic, payload) => retained.set(topic, payload.toString()));
  await intruder.subscribeAsync(tagTopic, { qos: 1 });
  const genuine = await waitFor(() => retained.get(tagTopic), WAIT, 'the retained, signed desired state');
  const state = JSON.parse(genuine) as DesiredState;
  assert.match(state.sig ?? '', /^[A-Za-z0-9+/]{86}==$/, 'the control plane signs with Ed25519');
  const forgedAction = { ...state.actions[0]!, id: 'act_forged', template: 'stolen {userId}' };
  const publish = (topic: string, message: unknown) =>
    intruder.publishAsync(topic, typeof message === 'string' ? message : JSON.stringify(message), { qos: 1, retain: true });

  await publish(tagTopic, { rev: state.rev + 100, actions: [...state.actions, forgedAction] });
  await events.waitFor(refused(/on liveprobe\/v1\/tags\/signed\/actions: it is unsigned/), WAIT, 'the unsigned message refused');

  const { privateKey: strangerKey } = generateKeyPairSync('ed25519');
  const forgedState = { rev: state.rev + 101, actions: [forgedAction] };
  const forgedSig = sign(null, desiredStateSigningInput(tagTopic, forgedState.rev, forgedState.actions), strangerKey).toString('base64');
  await publish(tagTopic, { ...forgedState, sig: forgedSig });
  await events.waitFor(refused(/its signature does not match the control plane key/), WAIT, 'the message signed by another key refused');

  const altered = { ...state, rev: state.rev + 102 };
  await publish(tagTopic, altered);
  await waitFor(
    () => events.events().filter(refused(/signature does not match/)).length >= 2,
    WAIT,
    'a genuine signature on altered content refused',
  );

  await publish('liveprobe/v1/agents/shop-s/actions', genuine);
  await events.waitFor(
    refused(/on liveprobe\/v1\/agents\/shop-s\/actions: its signature does not match/),
    WAIT,
    'a genuine message moved to another topic refused',
  );

  // A newer genuine state, then the older genuine one again.
  const second = await addAction(cp, { type: 'log', file: SHOP, line, template: 'second {order.id}', tags: ['signed'] });
  await events.waitFor(
    (e) => e.event === 'action_status' && (e.data as { actionId: string }).actionId === second.action.id,
    WAIT,
    'the second action applied',
  );
  await publish(tagTopic, genuine);
  await events.waitFor(refused(/it is a replay: revision \d+ is older than \d+/), WAIT, 'the replayed older state refused');

  // Clearing the retained message, then replaying the older state: the clear is refused, so the
  // agent still knows the newest revision it applied and refuses the replay again, on both topics.
  for (const topic of [tagTopic, 'liveprobe/v1/agents/shop-s/actions']) {
    const replays = events.events().filter(refused(/it is a replay/)).length;
    await publish(topic, '');
    await events.waitFor(refused(new RegExp(`on ${topic}: it is an unsigned clear`)), WAIT, `the clear of ${topic} refused`);
    if (topic !== tagTopic) continue;
    await publish(topic, genuine);
    await waitFor(() => events.events().filter(refused(/it is a replay/)).length > replays, WAIT, 'the replay after the clear refused');
  }

  await checkout(shop.url);
  await events.waitFor(
    (e) => e.event === 'output' && (e.data as { message: string }).message.startsWith('second '),
    WAIT,
    'the real actions still work',
  );
  await waitFor(
    () => events.events().some((e) => e.event === 'output' && (e.data as { message: string }).message.startsWith('real ')),
    WAIT,
    'the first real action too',
  );
  assert.ok(!events.events().some((e) => (e.data as { actionId?: string }).actionId === 'act_forged'), 'the forged action never ran');
  assert.match(shop.output(), /refused the desired state on liveprobe\/v1\/tags\/signed\/actions: it is unsigned/);
});
