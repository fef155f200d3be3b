import { join } from 'node:path';
import type { TestContext } from 'node:test';
import mqtt from 'mqtt';
import { createApp, createServices, openSqliteStore, type Services, type Store } from '@liveprobe/control-plane';
import { topics, type ActionInput, type AgentEvent, type AgentOnline, type DesiredState } from '@liveprobe/protocol';
import type { Hono } from 'hono';
import { tempDir, waitFor } from '../helpers/index.js';

export const t0 = Date.parse('2030-01-01T00:00:00.000Z');
export const defaultTopics = topics();

export interface Published {
  topic: string;
  state: DesiredState;
}

/** The REST API and ingest over a real SQLite file, with MQTT publishes recorded instead of sent and a clock the test moves. */
export interface InProcess {
  app: Hono;
  services: Services;
  store: Store;
  published: Published[];
  advance(ms: number): void;
  now(): Date;
  logs: string[];
}

export async function inProcess(t: TestContext): Promise<InProcess> {
  const dir = await tempDir('liveprobe-cp-unit-');
  const store = await openSqliteStore(join(dir.path, 'liveprobe.db'));
  t.after(async () => {
    await store.close();
    await dir.remove();
  });
  const published: Published[] = [];
  const logs: string[] = [];
  let time = t0;
  const services = createServices({
    store,
    topics: defaultTopics,
    publisher: {
      async publishRetained(topic, payload) {
        published.push({ topic, state: JSON.parse(payload) as DesiredState });
      },
    },
    now: () => new Date(time),
    log: (line) => logs.push(line),
  });
  t.after(async () => {
    services.events.close();
    await services.ingest.idle();
  });
  return {
    app: createApp(services),
    services,
    store,
    published,
    logs,
    advance: (ms) => {
      time += ms;
    },
    now: () => new Date(time),
  };
}

export function postAction(app: Hono, body: unknown): Promise<Response> {
  return Promise.resolve(
    app.request('/api/v1/actions', {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  );
}

export function logAction(overrides: Partial<ActionInput> = {}): ActionInput {
  return { type: 'log', file: 'src/orders.ts', line: 42, template: 'order {order.id}', tags: ['checkout'], ...overrides } as ActionInput;
}

export function birth(agentId: string, tags: string[]): AgentOnline {
  return {
    state: 'online',
    agentId,
    hostname: 'host-1',
    pid: 4242,
    runtime: 'node',
    runtimeVersion: 'v20.20.2',
    agentVersion: '0.1.0',
    tags,
    startedAt: new Date(t0).toISOString(),
  };
}

/** Feeds an agent's message to ingest as if it had arrived over MQTT, and waits until it is stored. */
export async function receive(
  services: Services,
  topic: string,
  message: AgentOnline | AgentEvent | { state: 'offline'; agentId: string } | string,
): Promise<void> {
  services.ingest.handle(topic, Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)));
  await services.ingest.idle();
}

export interface MqttMessage {
  topic: string;
  retain: boolean;
  payload: unknown;
}

export interface MqttWatcher {
  messages: MqttMessage[];
  waitFor(predicate: (message: MqttMessage) => boolean, what: string): Promise<MqttMessage>;
  client: mqtt.MqttClient;
}

/** A plain mqtt.js client, the way an agent would connect, recording what it receives. */
export async function watchMqtt(t: TestContext, url: string, filter: string): Promise<MqttWatcher> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
  t.after(() => client.endAsync());
  const messages: MqttMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, retain: packet.retain, payload: payload.length === 0 ? undefined : JSON.parse(payload.toString('utf8')) });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    client,
    waitFor: (predicate, what) => waitFor(() => messages.find(predicate), 5000, what),
  };
}
