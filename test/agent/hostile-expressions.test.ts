// The no-side-effects promise, end to end: actions whose expressions try every way to run
// application code are added to running apps, and the apps answer byte for byte as an
// identical app without them does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionInput, ActionStatusEvent, OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, type App, type SseEvent, type SseStream } from '../helpers/index.js';
import { addAction, app, controlPlane, SHOP } from './fixtures.js';

const WAIT = 15_000;
const TRAP_APP = 'test/fixtures/trap-app.mjs';
const TRAP_LINE = lineOf(TRAP_APP, 'trap-handler');

const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as ActionStatusEvent).actionId === actionId &&
  (event.data as ActionStatusEvent).state === state;
const isOutput = (actionId: string) => (event: SseEvent) => event.event === 'output' && (event.data as OutputEvent).actionId === actionId;
/**
 * The action's statuses in `state`, leaving out a breakpoint's news of how it samples, which
 * restates the hit's error with that news added (`…; breakpoint; sampling: …`).
 */
const statuses = (events: SseStream, actionId: string, state: string) =>
  events
    .events()
    .filter(isStatus(actionId, state))
    .map((e) => e.data as ActionStatusEvent)
    .filter((status) => !/; breakpoint; sampling: /.test(status.message ?? ''));

/** What a client sees of a response, minus the Date header. */
async function seen(response: Response): Promise<string> {
  return `${response.status} ${response.headers.get('content-type')} ${response.headers.get('content-length')}\n${await response.text()}`;
}

async function installAll(events: SseStream, ids: string[]): Promise<void> {
  for (const id of ids) {
    await events.waitFor((e) => e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === id, WAIT, `a status for ${id}`);
    const first = events.events().find((e) => e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === id)!
      .data as ActionStatusEvent;
    assert.equal(first.state, 'installed', `${id}: ${first.message}`);
  }
}

const here = { file: TRAP_APP, line: TRAP_LINE, tags: ['hostile'] };
const HOSTILE_ON_TRAP_APP: ActionInput[] = [
  {
    type: 'log',
    ...here,
    template: 'getter {account.computed} plus {account + 1} loose {account == 1} str {str(account)} whole {account}',
  },
  { type: 'log', ...here, template: 'proxy {proxy.id} keys {keys(proxy)} len {len(proxy)} has {has(proxy, "id")} whole {proxy}' },
  { type: 'log', ...here, template: 'hooks {hooks} {hooks.then} {hooks + ""} {-hooks} {hooks < 1} {str(hooks)} {keys(hooks)}' },
  { type: 'log', ...here, template: 'sparse {sparse} {len(sparse)} {sparse.includes(1)} {sparse[1000000]}' },
  {
    type: 'log',
    ...here,
    template: 'frozen {frozen} {frozen.nested.deep} revoked {revoked} {revoked.x} this {this} {typeof account.valueOf}',
  },
  { type: 'log', ...here, template: 'proto {account.constructor.name} {account.__proto__} {account.toJSON} {proxy.constructor}' },
  { type: 'log', ...here, template: 'never', condition: 'account.computed > 0' },
  { type: 'log', ...here, template: 'never', condition: 'proxy.id == id || hooks == 1' },
  { type: 'snapshot', ...here, watches: ['account.computed', 'proxy', 'hooks', 'str(account)', 'revoked'] },
];

async function requestAll(target: App, ids: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) out.push(await seen(await fetch(`${target.url}/?id=${id}`)));
  return out;
}

test('hostile expressions on a handler full of traps leave every response byte for byte the same, and fire no trap', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const quiet = await app(t, { script: TRAP_APP, broker: cp.mqttUrl, tags: ['quiet'] });
  const probed = await app(t, { script: TRAP_APP, broker: cp.mqttUrl, tags: ['hostile'], agentId: 'hostile-1' });

  const ids: string[] = [];
  for (const action of HOSTILE_ON_TRAP_APP) ids.push((await addAction(cp, action)).action.id);
  await installAll(events, ids);

  const requests = Array.from({ length: 20 }, (_, i) => i + 1);
  const [expected, actual] = [await requestAll(quiet, requests), await requestAll(probed, requests)];
  assert.deepEqual(actual, expected);
  for (const body of actual) assert.match(body, /"trapCalls":0}$/);

  // The probes did run: each log action printed, with markers where the app's code would have been needed.
  const [getter, proxy, hooks, sparse, frozen, proto, conditionGetter, conditionProxy] = ids;
  const line = async (id: string) => ((await events.waitFor(isOutput(id!), WAIT, `output of ${id}`)).data as OutputEvent).message;
  assert.equal(
    await line(getter!),
    'getter <`account.computed` is a getter; liveprobe never runs getters> plus <`+` needs primitive operands (numbers, strings, booleans), got an object> ' +
      'loose <`==` between an object and a primitive would convert the object; compare a field, or use `===`> ' +
      'str Account { id: 1, balance: 100, owner: { name: "Ada", password: [REDACTED], card: "[REDACTED]", email: "ada@example.com", token: [REDACTED] } } ' +
      'whole Account { id: 1, balance: 100, owner: { name: "Ada", password: [REDACTED], card: "[REDACTED]", email: "ada@example.com", token: [REDACTED] } }',
  );
  assert.match(
    await line(proxy!),
    /^proxy <`proxy\.id`: the value is a Proxy; liveprobe never reads through proxies> keys <keys\(\): the value is a Proxy.*> whole \[Proxy\]$/,
  );
  assert.match(
    await line(hooks!),
    /^hooks \{ valueOf: \[Function trap\], toString: \[Function trap\], toJSON: \[Function trap\], then: \[Getter\] \} <`hooks\.then` is a getter/,
  );
  assert.match(
    await line(sparse!),
    /^sparse \[<empty>, .*…\+999981 more\] 1000001 <`sparse\.includes\(1\)`: the array has 1000001 items; a probe scans at most 10000 — test a narrower value> 1$/,
  );
  assert.match(
    await line(frozen!),
    /^frozen \{ id: 1, nested: \{ deep: true \} \} true revoked \[Proxy\] <`revoked\.x`: the value is a Proxy.*> this undefined function$/,
  );
  assert.match(await line(proto!), /^proto Account <`account\.__proto__` is a getter; liveprobe never runs getters> \[Function toJSON\] </);
  for (const id of [conditionGetter!, conditionProxy!]) {
    const error = (await events.waitFor(isStatus(id, 'error'), WAIT, `the evaluation error of ${id}`)).data as ActionStatusEvent;
    assert.match(error.message ?? '', /^condition `.*`: `(account\.computed` is a getter|proxy\.id`: the value is a Proxy)/);
  }
  // Reported once, then rate-limited: many failing hits are one status event, not one each.
  assert.equal(statuses(events, conditionGetter!, 'error').length, 1);
  assert.equal(events.events().filter(isOutput(conditionGetter!)).length, 0);

  // The rest are counted into the next report.
  await new Promise((resolve) => setTimeout(resolve, 5_200));
  assert.equal(await seen(await fetch(`${probed.url}/?id=99`)), await seen(await fetch(`${quiet.url}/?id=99`)));
  await events.waitFor(() => statuses(events, conditionGetter!, 'error').length === 2, WAIT, 'the second, counted report');
  // How many depends on the agent's CPU quota, which may pause the probes of this busy line for a while.
  const counted = /\((\d+) times since the last report\)$/.exec(statuses(events, conditionGetter!, 'error')[1]!.message ?? '');
  assert.ok(counted !== null && Number(counted[1]) >= 2, `the second report counts the failures since the first: ${counted?.[0]}`);
});

test('hostile expressions on the example shop leave its responses byte for byte the same', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const quiet = await app(t, { broker: cp.mqttUrl, tags: ['quiet'] });
  const probed = await app(t, { broker: cp.mqttUrl, tags: ['hostile'] });
  const at = (marker: string) => ({ file: SHOP, line: lineOf(SHOP, marker), tags: ['hostile'] });
  const actions: ActionInput[] = [
    {
      type: 'log',
      ...at('checkout-return'),
      template: '{order} {order + 1} {lines} {str(this)} {userId.includes(order)} {keys(order.lines)} {order.lines[0].amount * 100}',
    },
    {
      type: 'log',
      ...at('order-created'),
      template: '{user} {user.email} {lines.includes(user)} {subtotal ** 1000} {amount / 0} {-userId}',
    },
    {
      type: 'log',
      ...at('product-lookup'),
      template: '{url} {url.href} {req.headers} {req.socket} {sku.length}',
      condition: 'len(sku) > 0',
    },
    { type: 'log', ...at('product-lookup'), template: 'never', condition: 'req.socket.remoteAddress.startsWith(1)' },
    { type: 'snapshot', ...at('checkout-return'), watches: ['order', 'user.name', 'this'] },
  ];
  const ids: string[] = [];
  for (const action of actions) ids.push((await addAction(cp, action)).action.id);
  await installAll(events, ids);

  const exchange = async (target: App): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < 10; i++) {
      out.push(
        await seen(
          await fetch(`${target.url}/checkout`, {
            method: 'POST',
            body: JSON.stringify({ user: i % 2 === 0 ? 'u1' : 'u2', items: [{ sku: 'tea', quantity: i + 1 }] }),
          }),
        ),
      );
      out.push(await seen(await fetch(`${target.url}/products/${i % 2 === 0 ? 'mug' : 'nope'}`)));
      out.push(await seen(await fetch(`${target.url}/checkout`, { method: 'POST', body: 'not json' })));
    }
    return out;
  };
  assert.deepEqual(await exchange(probed), await exchange(quiet));
  for (const id of ids.slice(0, 3)) await events.waitFor(isOutput(id), WAIT, `output of ${id}`);
});
