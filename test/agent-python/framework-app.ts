// What the Python agent's tests of exception actions on web frameworks share: a fixture's answers
// with and without the agent, through a real control plane, broker and CLI, and its snapshots.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { CapturedValue, NamedValue, SnapshotData } from '@liveprobe/protocol';
import { cli, lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { controlPlane, deleteAction } from '../agent/fixtures.js';
import { FIXTURES, startPythonApp } from './python-app.js';

export const WAIT = 20_000;
export const CARD = '4111111111111111';
export const snapshotOf = (actionId: string) => (e: SseEvent) =>
  e.event === 'snapshot' && (e.data as { actionId: string }).actionId === actionId;
export const find = (values: NamedValue[], name: string): CapturedValue | undefined => values.find((v) => v.name === name)?.value;

export interface Answer {
  status: number;
  body: string;
}

export async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.text() };
}

/** A response as the tests compare it. */
export const answer = async (response: Promise<Response>): Promise<Answer> => {
  const r = await response;
  return { status: r.status, body: await r.text() };
};

export async function snapshotsOf(cpUrl: string, actionId: string): Promise<SnapshotData[]> {
  const { snapshots } = (await (await fetch(`${cpUrl}/api/v1/snapshots?action=${actionId}`)).json()) as { snapshots: { id: string }[] };
  return Promise.all(
    snapshots.map(
      async ({ id }) => ((await (await fetch(`${cpUrl}/api/v1/snapshots/${id}`)).json()) as { snapshot: SnapshotData }).snapshot,
    ),
  );
}

/** The fixture's answers to `ask` without the agent (a run of its own), then the app run with the agent. */
export async function withAndWithout(
  t: TestContext,
  script: string,
  ask: (url: string) => Promise<Answer[]>,
  env: Record<string, string> = {},
  files: string[] = ['--file', 'fixtures/*.py'],
) {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const plain = await startPythonApp(t, { script, launcher: 'no agent', broker: cp.mqttUrl, tags: ['none'], agentId: 'no-agent', env });
  const without = await ask(plain.url);
  await plain.stop();
  const agentId = [script.replace('.py', '').replace('_', '-'), ...Object.values(env)].join('-');
  const app = await startPythonApp(t, { script, broker: cp.mqttUrl, tags: ['web'], agentId, env });
  const hooks = async () => (await fetch(`${app.url}/hooks`)).json();
  const before = await hooks();
  const added = await cli(['exception', 'add', '--tag', 'web', ...files], { server: cp.url });
  assert.equal(added.code, 0, added.stdout + added.stderr);
  assert.match(added.stdout, /: installed/);
  const actionId = /created (act_\w+)/.exec(added.stdout)![1]!;
  const removed = async () => {
    await deleteAction(cp, actionId);
    const back = JSON.stringify(before);
    await waitFor(async () => JSON.stringify(await hooks()) === back, WAIT, 'the framework as it was before the action');
  };
  return { cp, events, app, without, hooks, before, actionId, removed };
}

export interface Answered {
  script: string;
  env?: Record<string, string>;
  /** The fixture's requests: the first an error its framework answers 500, the last a success. */
  ask: (url: string) => Promise<Answer[]>;
  statuses: number[];
  /** The fixture's `/hooks` without the action, and while it is desired. */
  hooks: [unknown, unknown];
  /** One snapshot's error type per error the framework answered, sorted. */
  types: string[];
  /** The functions that raise the 500 and the other error (Python's qualified names). */
  raisers?: [string, string];
  /** An action on every file, not only the fixtures': the router's misses raise from the
   * framework's frames, which `--file fixtures/*.py` would leave out whatever the agent does. */
  anyFile?: boolean;
}

/** A framework's answers with the agent are those without; each error it answered gives one snapshot
 * of the frame that raised it: `pay`'s 500 and, when there is another, `reserve`'s are checked here. */
export async function answeredBy(t: TestContext, framework: string, spec: Answered) {
  const { cp, events, app, without, hooks, before, actionId, removed } = await withAndWithout(
    t,
    spec.script,
    spec.ask,
    spec.env,
    spec.anyFile ? [] : undefined,
  );
  assert.deepEqual(before, spec.hooks[0]);
  assert.deepEqual(await hooks(), spec.hooks[1], 'hooked while the action is desired');
  assert.deepEqual(await (await fetch(`${app.url}/quote?currency=GBP`)).json(), { rate: 1 }, 'the handler handles its own KeyError');
  const withAgent = await spec.ask(app.url);
  assert.deepEqual(
    withAgent.map((a) => a.status),
    spec.statuses,
  );
  assert.deepEqual(withAgent, without, 'the same statuses and bodies as without the agent');
  await waitFor(async () => (await snapshotsOf(cp.url, actionId)).length >= spec.types.length, WAIT, 'the exception snapshots');
  await events.waitFor(snapshotOf(actionId), WAIT, 'an exception snapshot on the live stream');
  const snapshots = await snapshotsOf(cp.url, actionId);
  assert.deepEqual(snapshots.map((s) => s.exception?.type).sort(), spec.types, 'one per error the framework answered, and nothing else');
  const [payer, reserver] = spec.raisers ?? ['pay', 'reserve'];
  const declined = snapshots.find((s) => s.exception?.type === 'PaymentDeclined')!;
  assert.equal(declined.exception!.message, 'amount 500 is over the limit');
  assert.equal(declined.location.function, payer);
  assert.equal(declined.location.line, lineOf(`${FIXTURES}/${spec.script}`, `${framework}-pay-raise`));
  assert.ok(find(declined.locals, 'card'), 'the handler’s locals');
  assert.ok(!JSON.stringify(declined).includes(CARD), 'the card number is redacted');
  await removed();
  const reserve = snapshots.find((s) => s.location.function === reserver);
  if (spec.types.length > 1) {
    assert.ok(reserve, `a snapshot of ${reserver}`);
    assert.equal(reserve.location.line, lineOf(`${FIXTURES}/${spec.script}`, `${framework}-reserve-raise`));
    assert.deepEqual(find(reserve.locals, 'left'), { t: 'number', v: -2 });
    assert.deepEqual(find(reserve.locals, 'session_token'), { t: 'redacted' }, 'the session token is redacted');
  }
  return { app, snapshots, reserve: reserve! };
}

/** Requests no route takes: a path none matches, and `/pay` (each fixture's POST route) with GET.
 * Asked first, so that a snapshot of either would reach the control plane before the app's own. */
export const routerMisses = async (url: string): Promise<Answer[]> => [
  await answer(fetch(`${url}/nope`)),
  await answer(fetch(`${url}/pay`)),
];

/**
 * The shop fixtures' requests, in order: the router's misses, a declined payment (500), a short
 * reservation (`reserve`: its JSON body, or `query` for a fixture that reads it from the URL), a
 * missing order (a raised 404), the fixture's redirect when it has one, and a paid order.
 */
export const shopRequests = async (
  url: string,
  { reserve = 'body', redirect = true }: { reserve?: 'body' | 'query'; redirect?: boolean } = {},
): Promise<Answer[]> => [
  ...(await routerMisses(url)),
  await post(`${url}/pay`, { amount: 500, card: CARD }),
  reserve === 'body' ? await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }) : await post(`${url}/reserve?sku=tea&quantity=5`, {}),
  await answer(fetch(`${url}/orders/7`)),
  ...(redirect ? [await answer(fetch(`${url}/old`, { redirect: 'manual' }))] : []),
  await post(`${url}/pay`, { amount: 20, card: CARD }),
];

/** The snapshot of a raised 404 (`order`'s): its throw site is the fixture's line. */
export function orderAt(snapshots: SnapshotData[], type: string, script: string, marker: string, raiser = 'order') {
  const missing = snapshots.find((s) => s.exception?.type === type)!;
  assert.ok(missing, `a snapshot of the raised ${type}`);
  assert.equal(missing.location.function, raiser);
  assert.equal(missing.location.line, lineOf(`${FIXTURES}/${script}`, marker));
  return missing;
}

/** Falcon's test, WSGI or ASGI (`suffix`: the fixture's async resources' names end with it). */
export async function falconAnswered(t: TestContext, framework: string, env: Record<string, string>, suffix: string) {
  const { snapshots, reserve } = await answeredBy(t, framework, {
    script: 'falcon_shop.py',
    env,
    anyFile: true,
    ask: (url) => shopRequests(url),
    statuses: [404, 405, 500, 409, 404, 302, 200],
    hooks: [{ handleIsFalcons: true }, { handleIsFalcons: false }],
    types: ['HTTPNotFound', 'OutOfStock', 'PaymentDeclined'],
    raisers: [`Pay${suffix}.on_post`, `Reserve${suffix}.on_post`],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2');
  orderAt(snapshots, 'HTTPNotFound', 'falcon_shop.py', `${framework}-order-raise`, `Order${suffix}.on_get`);
}
