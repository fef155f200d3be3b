// Scenario pieces shared by the agent's end-to-end tests: a control plane, an app with the agent, actions.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ActionInput, ActionStatusEvent, ActionView, CreatedAction, OutputEvent } from '@liveprobe/protocol';
import {
  mosquitto,
  otlpReceiver,
  startApp,
  startControlPlane,
  waitFor,
  type App,
  type AppOptions,
  type ControlPlane,
  type Mosquitto,
  type OtlpReceiver,
  type SseEvent,
} from '../helpers/index.js';

export const SHOP = 'examples/shop/dist/server.js';
export const ORDERS_CJS = 'test/fixtures/orders.cjs';

export async function controlPlane(t: TestContext, options: { broker?: string } = {}): Promise<ControlPlane> {
  const cp = await startControlPlane(options);
  t.after(() => cp.stop());
  return cp;
}

/** A real Mosquitto broker with a control plane on it (`--broker`), both stopped after the test. */
export async function mosquittoStack(t: TestContext): Promise<{ broker: Mosquitto; cp: ControlPlane }> {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  return { broker, cp: await controlPlane(t, { broker: broker.url }) };
}

export async function app(t: TestContext, options: Partial<AppOptions> & { broker: string }): Promise<App> {
  const started = await startApp({ script: SHOP, tags: ['e2e'], module: 'esm', ...options });
  t.after(() => started.stop());
  return started;
}

/**
 * A control plane, a real OTLP receiver and an app (an ES module unless `options` say otherwise)
 * with the agent exporting to it (tag `e2e`), all stopped after the test.
 */
export async function appExportingTo(
  t: TestContext,
  script: string,
  env: Record<string, string>,
  options: Partial<Pick<AppOptions, 'module' | 'agentId' | 'node'>> = {},
): Promise<{ cp: ControlPlane; otlp: OtlpReceiver; service: App }> {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const service = await startApp({
    script,
    broker: cp.mqttUrl,
    tags: ['e2e'],
    module: 'esm',
    ...options,
    env: { ...otlp.env('http/protobuf'), ...env },
  });
  t.after(() => service.stop());
  return { cp, otlp, service };
}

export async function addAction(cp: ControlPlane, body: ActionInput): Promise<CreatedAction> {
  const response = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 201, `POST /actions answered ${response.status}: ${text}`);
  return JSON.parse(text) as CreatedAction;
}

export async function getAction(cp: ControlPlane, id: string): Promise<ActionView> {
  const response = await fetch(`${cp.url}/api/v1/actions/${id}`);
  assert.equal(response.status, 200);
  return (await response.json()) as ActionView;
}

/** Waits for the action's first `installed` or `error` status, as `state: message`. */
export async function installed(cp: ControlPlane, id: string, timeoutMs = 15_000): Promise<string> {
  let message = '';
  await waitFor(
    async () => {
      const status = (await getAction(cp, id)).statuses.find((s) => s.state === 'installed' || s.state === 'error');
      message = `${status?.state}: ${status?.message}`;
      return status !== undefined;
    },
    timeoutMs,
    `${id} installed`,
  );
  return message;
}

export async function deleteAction(cp: ControlPlane, id: string): Promise<void> {
  const response = await fetch(`${cp.url}/api/v1/actions/${id}`, { method: 'DELETE' });
  assert.equal(response.status, 200);
}

export function checkout(appUrl: string, user = 'u1', quantity = 2): Promise<Response> {
  return fetch(`${appUrl}/checkout`, { method: 'POST', body: JSON.stringify({ user, items: [{ sku: 'tea', quantity }] }) });
}

/** An action's output event on the live stream, that `predicate` accepts. */
export const isOutput =
  (actionId: string, predicate: (e: OutputEvent) => boolean = () => true) =>
  (event: SseEvent) =>
    event.event === 'output' && (event.data as OutputEvent).actionId === actionId && predicate(event.data as OutputEvent);

/** An action's status event in `state`. */
export const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as ActionStatusEvent).actionId === actionId &&
  (event.data as ActionStatusEvent).state === state;
