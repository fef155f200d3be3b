/**
 * The agent's MQTT side: birth and Last Will, the desired-state subscriptions, and
 * events out. Desired state is reconciled by `rev` per topic, so redelivery is harmless.
 */
import { hostname } from 'node:os';
import { errorMessage } from '@liveprobe/protocol/util';
import { AGENT_VERSION } from '../settings/agent-version.js';
import type * as Mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { fileURLToPath } from 'node:url';
import { requireCommonJsPieces } from '../commonjs-pieces.js';
import { connectMqtt } from '../mqtt-client.js';
import type { Action, AgentEvent, AgentOnline, DesiredState, Topics } from '@liveprobe/protocol';
import type { AgentConfig } from '../settings/agent-config.js';
import { DesiredStateChecker } from './desired-state-checker.js';
import { DesiredStateTrust } from './desired-state-trust.js';
import { brokerUrlForLog } from '../settings/broker-link-settings.js';
import { BrokerDrops } from '../settings/broker-drops.js';
import { isoTime } from '../iso-time.js';

const MAX_UNSENT_STATUS = 1000;

/**
 * mqtt as the app thread's standby link loads it: one CommonJS file in pieces (../commonjs-pieces.ts),
 * beside the app thread's bundle; from dist/worker-bundle/, dist/worker/ or src/worker/ (tests).
 */
const MQTT_PIECES = fileURLToPath(
  new URL(`${new URL('.', import.meta.url).href.endsWith('/src/worker/') ? '../../dist' : '..'}/bundle/mqtt-pieces.cjs`, import.meta.url),
);

let mqtt: typeof Mqtt | undefined;

function loadMqtt(): typeof Mqtt {
  mqtt ??= requireCommonJsPieces(MQTT_PIECES) as typeof Mqtt;
  return mqtt;
}

export class BrokerLink {
  private client: MqttClient | undefined;
  /** Each action's latest status while the broker is away, sent on reconnect; bounded. */
  private readonly unsentStatus = new Map<string, AgentEvent>();
  private heartbeat: NodeJS.Timeout | undefined;
  private birth: AgentOnline | undefined;
  /** What changed since the birth (e.g. the prepared-files summary): the retained status carries both. */
  private statusUpdate: Partial<Pick<AgentOnline, 'prepare'>> = {};
  private readonly desired = new Map<string, { rev: number; actions: Action[] }>();
  /** Set when LIVEPROBE_PUBLIC_KEY is: only desired state the control plane signed is applied. */
  private readonly trust = DesiredStateTrust.fromEnv(process.env);
  private readonly subscribedListeners: (() => void)[] = [];
  private everConnected = false;
  private leaving = false;
  /** Messages are applied one after another, in the order they came. */
  private received: Promise<void> = Promise.resolve();
  private readonly checker = new DesiredStateChecker((cached) => {
    if (this.config.logLevel === 'debug') this.log(`desired-state check loaded in a new context${cached ? ' from its code cache' : ''}`);
  });

  constructor(
    private readonly config: AgentConfig,
    private readonly topics: Topics,
    private readonly onDesired: (actions: Action[]) => void,
    private readonly log: (line: string) => void,
    /** What the birth message says about the debugged process when it is not this one (`liveprobe attach`). */
    private readonly identity: Partial<Pick<AgentOnline, 'hostname' | 'pid' | 'runtime' | 'runtimeVersion' | 'startedAt'>> = {},
  ) {}

  /**
   * Has the desired-state check's code cache made now, off an install's path, unless a desired
   * state already made it (worker/desired-state-checker.ts).
   */
  warmCheck(): void {
    try {
      if (this.checker.warm() && this.config.logLevel === 'debug') this.log('desired-state check compiled ahead of the first action');
    } catch (err) {
      // The first desired state then compiles it, as without the warm-up.
      this.log(`the desired-state check could not be compiled ahead: ${errorMessage(err)}`);
    }
  }

  /**
   * The desired-state check stays loaded once made, instead of being made again for each desired
   * state after a quiet spell (worker/desired-state-checker.ts): with the session open from start-up.
   */
  keepCheckLoaded(): void {
    this.checker.keepLoaded();
  }

  /** Called each time the broker acknowledged the agent's subscriptions (on every connection). */
  onSubscribed(listener: () => void): void {
    this.subscribedListeners.push(listener);
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { config, topics } = this;
    const statusTopic = topics.agentStatus(config.agentId);
    this.birth = {
      state: 'online',
      agentId: config.agentId,
      hostname: hostname(),
      pid: process.pid,
      runtime: 'node',
      runtimeVersion: process.version,
      agentVersion: AGENT_VERSION,
      tags: config.tags,
      startedAt: isoTime(Date.now()),
      ...this.identity,
    };
    const client = connectMqtt(loadMqtt(), {
      // Never the URL string: mqtt would parse it with url.parse(), which warns in the app's stderr on Node 24.
      ...config.broker,
      // The client id is the agent id, so brokers' topic ACLs can name the agent's own topics (Mosquitto's %c).
      clientId: config.agentId,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // Otherwise mqtt-packet pre-builds a Buffer for each of the 65,536 two-byte numbers (~6 MiB of
      // the worker's heap), a speed-up for clients publishing far more than an agent does.
      writeCache: false,
      will: {
        topic: statusTopic,
        payload: Buffer.from(JSON.stringify({ state: 'offline', agentId: config.agentId })),
        qos: 1,
        retain: true,
      },
    });
    this.client = client;
    const shownUrl = brokerUrlForLog(config.brokerUrl);
    let reportedError = false;
    const drops = new BrokerDrops(config.agentId, Date.now);
    /** Connected since the last close. */
    let up = false;
    client.on('connect', () => {
      reportedError = false;
      // Leaving as it connects (leaveIfNeverConnected): no birth, and no desired state to install.
      if (this.leaving) return;
      drops.connected();
      up = true;
      if (!drops.repeating)
        this.log(
          `${this.everConnected ? 'reconnected' : 'connected'} to ${shownUrl} as ${config.agentId} (tags: ${config.tags.join(', ') || 'none'})`,
        );
      this.everConnected = true;
      this.publishStatusMessage();
      for (const event of this.unsentStatus.values()) this.publishEvent(event);
      this.unsentStatus.clear();
      const subscriptions = [...config.tags.map((t) => topics.tagActions(t)), topics.agentActions(config.agentId)];
      client.subscribe(subscriptions, { qos: 1 }, (err) => {
        if (err !== null && err !== undefined) return;
        drops.subscriptionsAcknowledged();
        for (const listener of this.subscribedListeners) listener();
      });
    });
    client.on('message', (topic, payload) => {
      this.received = this.received
        .then(() => this.receive(topic, payload))
        .catch((err: unknown) => this.log(`ignored a message on ${topic}: ${errorMessage(err)}`));
    });
    client.on('error', (err) => {
      drops.errored();
      // mqtt.js retries every second; one line per outage is enough.
      if (reportedError) return;
      reportedError = true;
      this.log(
        `broker ${shownUrl}: ${err.message}${/Bad username or password|Not authorized/.test(err.message) ? ": the broker wants an agent token: LIVEPROBE_BROKER_URL=mqtt://<name>:<agent token>@host:port (liveprobe token create --role agent), LIVEPROBE_AGENT_ID among its --agent ids; the control plane's log says why it refused" : ''}; retrying every second`,
      );
    });
    // Each closed connection, not 'offline': that comes once until a CONNACK, and a broker that
    // closes a reconnect before its CONNACK is handled would go unseen.
    client.on('close', () => {
      if (this.leaving) return;
      const line = drops.closed(up, `lost the broker ${shownUrl}; reconnecting`);
      if (line !== undefined) this.log(line);
      up = false;
    });
  }

  /**
   * Changes what the retained status says (e.g. the prepared-files summary) and publishes it
   * again; while the broker is away, the next connection publishes the latest.
   */
  updateStatus(update: Partial<Pick<AgentOnline, 'prepare'>>): void {
    this.statusUpdate = { ...this.statusUpdate, ...update };
    this.publishStatusMessage();
  }

  /** Action status is kept (the latest per action, bounded) while the broker is away, and sent on reconnect. */
  publishStatus(event: Extract<AgentEvent, { kind: 'action_status' }>): void {
    if (this.publishEvent(event)) return;
    this.unsentStatus.delete(event.actionId);
    if (this.unsentStatus.size >= MAX_UNSENT_STATUS) this.unsentStatus.delete(this.unsentStatus.keys().next().value!);
    this.unsentStatus.set(event.actionId, event);
  }

  /** Every `seconds`, tells the control plane the agent is alive and how many actions it runs. */
  startHeartbeat(seconds: number, actions: () => number): void {
    this.heartbeat = setInterval(() => {
      this.publishEvent({ kind: 'heartbeat', agentId: this.config.agentId, time: isoTime(Date.now()), actions: actions() });
    }, seconds * 1000);
    this.heartbeat.unref();
  }

  /** Publishes an event; false when the broker is unreachable (the caller counts it as dropped). */
  publishEvent(event: AgentEvent): boolean {
    if (this.client === undefined || !this.client.connected) return false;
    this.client.publish(this.topics.agentEvents(this.config.agentId), JSON.stringify(event), { qos: 1 });
    return true;
  }

  /**
   * For an app exiting before this link first connected: the app thread's link announced the
   * agent and left cleanly (no Last Will), so nothing would ever say it went offline. Connects,
   * then leaves saying so; the exiting app waits for it no longer than LIVEPROBE_EXIT_FLUSH_MS.
   */
  async leaveIfNeverConnected(): Promise<void> {
    const client = this.client;
    if (client === undefined || this.everConnected) return;
    this.leaving = true;
    if (!client.connected) await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await this.close();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    const client = this.client;
    if (client === undefined) return;
    this.client = undefined;
    if (client.connected) {
      await client
        .publishAsync(this.topics.agentStatus(this.config.agentId), JSON.stringify({ state: 'offline', agentId: this.config.agentId }), {
          qos: 1,
          retain: true,
        })
        .catch(() => undefined);
    }
    await client.endAsync();
  }

  private publishStatusMessage(): void {
    if (this.client === undefined || !this.client.connected || this.birth === undefined) return;
    const status: AgentOnline = { ...this.birth, ...this.statusUpdate };
    this.client.publish(this.topics.agentStatus(this.config.agentId), JSON.stringify(status), { qos: 1, retain: true });
  }

  private async receive(topic: string, payload: Buffer): Promise<void> {
    let state: DesiredState;
    // A cleared retained message empties the topic's set. The control plane never clears one (it
    // publishes an empty signed set), so with a key an unsigned clear is refused like any unsigned
    // message: it would remove every action, and the revisions applied with it.
    if (payload.length === 0) {
      if (this.trust !== undefined) return this.refuse(topic, 'it is an unsigned clear (an empty retained message)');
      state = { rev: -1, actions: [] };
    } else {
      let json: unknown;
      try {
        json = JSON.parse(payload.toString('utf8'));
      } catch {
        this.log(`ignored a message on ${topic}: not JSON`);
        return;
      }
      const refusal = this.trust?.refusal(topic, json);
      if (refusal !== undefined) return this.refuse(topic, refusal);
      const parsed = this.checker.parse(payload.toString('utf8'));
      if ('issues' in parsed) {
        this.log(`ignored a message on ${topic}: ${parsed.issues}`);
        return;
      }
      state = parsed.state;
    }
    const known = this.desired.get(topic);
    if (known !== undefined && state.rev < known.rev && payload.length !== 0 && this.trust !== undefined)
      return this.refuse(topic, `it is a replay: revision ${state.rev} is older than ${known.rev}, already applied`);
    if (known !== undefined && state.rev <= known.rev && payload.length !== 0) return;
    this.desired.set(topic, state);
    const union = new Map<string, Action>();
    for (const set of this.desired.values()) for (const action of set.actions) union.set(action.id, action);
    this.onDesired([...union.values()]);
  }

  /** Logs and reports a desired state that is not applied, as a `dropped` event the console and `liveprobe tail` show. */
  private refuse(topic: string, reason: string): void {
    this.log(`refused the desired state on ${topic}: ${reason}`);
    this.publishEvent({
      kind: 'dropped',
      agentId: this.config.agentId,
      time: isoTime(Date.now()),
      count: 1,
      reason: `refused the desired state on ${topic}: ${reason}`,
    });
  }
}
