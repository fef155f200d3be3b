/**
 * One simulated agent: the agent's MQTT contract (docs/architecture.md §3) without an app or an
 * inspector. Birth and Last Will on its status topic, its tags' and own desired-state topics,
 * reconciliation by `rev`, an `installed` status for every new action, `removed` and `expired`
 * as the real agent reports them, and heartbeats.
 */
import { preciseNow } from '@liveprobe/harness/clock';
import { defined } from '@liveprobe/protocol/util';
import mqtt, { type MqttClient } from 'mqtt';
import type { Action, ActionState, ActionStatusEvent, AgentEvent, AgentOnline, Topics } from '@liveprobe/protocol';

export const SIMULATED_AGENT_VERSION = '0.1.0-simulated';
const STOP_STEP_MS = 2000;

/** What the fleet learns from one agent; `at` is epoch milliseconds with sub-millisecond precision. */
export type AgentNotice =
  | { kind: 'desired'; agentId: string; topic: string; rev: number; at: number }
  | { kind: 'status'; agentId: string; actionId: string; state: ActionState; at: number };

export interface SimulatedAgentOptions {
  /** `mqtt://host:port`; credentials may ride in the URL (`mqtt://user:token@host`). */
  broker: string;
  agentId: string;
  tags: readonly string[];
  topics: Topics;
  hostname: string;
  /** Seconds between heartbeats; 0 sends none. The first one comes at a random point of the first period. */
  heartbeatSeconds: number;
  /** Seconds an MQTT connect may take before mqtt.js gives up and retries. */
  connectTimeoutSeconds: number;
  notify: (notice: AgentNotice) => void;
}

export class SimulatedAgent {
  readonly agentId: string;
  #client: MqttClient | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The latest desired set per topic (tag or own), reconciled by `rev` as the agent does. */
  readonly #desired = new Map<string, { rev: number; actions: readonly Action[] }>();
  readonly #installed = new Map<string, Action>();
  readonly #expiry = new Map<string, NodeJS.Timeout>();
  /** Expired actions are not installed again while they are still desired. */
  readonly #finished = new Set<string>();
  readonly #options: SimulatedAgentOptions;
  readonly #startedAt = new Date().toISOString();

  constructor(options: SimulatedAgentOptions) {
    this.#options = options;
    this.agentId = options.agentId;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  /** Action ids currently installed. */
  installedActions(): string[] {
    return [...this.#installed.keys()];
  }

  /** Connects, announces itself and subscribes; resolves once the broker acknowledged the subscriptions. */
  start(): Promise<void> {
    const { topics, agentId, tags } = this.#options;
    const statusTopic = topics.agentStatus(agentId);
    const birth: AgentOnline = {
      state: 'online',
      agentId,
      hostname: this.#options.hostname,
      pid: process.pid,
      runtime: 'node',
      runtimeVersion: process.version,
      agentVersion: SIMULATED_AGENT_VERSION,
      tags: [...tags],
      startedAt: this.#startedAt,
    };
    const client = mqtt.connect(this.#options.broker, {
      // As the real agent: the client id is the agent id, so topic ACLs can name its own topics.
      clientId: agentId,
      reconnectPeriod: 1000,
      connectTimeout: this.#options.connectTimeoutSeconds * 1000,
      will: { topic: statusTopic, payload: Buffer.from(JSON.stringify({ state: 'offline', agentId })), qos: 1, retain: true },
    });
    this.#client = client;
    client.on('message', (topic, payload) => this.#receive(topic, payload));
    // mqtt.js retries on its own; a fleet of thousands must not print a line per failure.
    let lastError = 'no answer';
    client.on('error', (err) => {
      lastError = err.message;
    });
    const subscribed = new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => {
        reject(
          new Error(
            `${agentId} could not connect to ${redact(this.#options.broker)} and subscribe within ${this.#options.connectTimeoutSeconds} s: ${lastError}`,
          ),
        );
      }, this.#options.connectTimeoutSeconds * 1000);
      const settle = (err?: Error) => {
        clearTimeout(deadline);
        if (err === undefined) resolve();
        else reject(err);
      };
      client.once('connect', () => {
        // Later connects (after a broker restart) re-announce and re-subscribe the same way.
        client.on('connect', () => this.#announce(birth, () => {}));
        this.#announce(birth, settle);
      });
    });
    this.#startHeartbeat();
    return subscribed;
  }

  #announce(birth: AgentOnline, done: (err?: Error) => void): void {
    const client = this.#client;
    if (client === undefined) return;
    const { topics, agentId, tags } = this.#options;
    client.publish(topics.agentStatus(agentId), JSON.stringify(birth), { qos: 1, retain: true });
    const filters = [...tags.map((t) => topics.tagActions(t)), topics.agentActions(agentId)];
    client.subscribe(filters, { qos: 1 }, (err, granted) => {
      if (err) return done(err);
      const refused = granted?.filter((g) => g.qos === 128) ?? [];
      if (refused.length > 0)
        return done(new Error(`${agentId}: the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`));
      done();
    });
  }

  /** Leaves as a stopping agent does: a retained `offline`, then a clean disconnect. */
  async stop(): Promise<void> {
    this.#clearTimers();
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    // A broker that went away mid-stop would leave the PUBACK, or the clean end, pending forever.
    if (client.connected) {
      const offline = JSON.stringify({ state: 'offline', agentId: this.agentId });
      await bounded(client.publishAsync(this.#options.topics.agentStatus(this.agentId), offline, { qos: 1, retain: true }), STOP_STEP_MS);
    }
    if (!(await bounded(client.endAsync(), STOP_STEP_MS))) client.end(true);
  }

  /** Dies as a killed process does: the socket closes without DISCONNECT, so the broker publishes the Last Will. */
  crash(): void {
    this.#clearTimers();
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    client.options.reconnectPeriod = 0;
    client.stream.destroy();
    client.end(true);
  }

  #receive(topic: string, payload: Buffer): void {
    const at = preciseNow();
    let state: { rev: number; actions: readonly Action[] };
    if (payload.length === 0) {
      // A cleared retained message: the topic wants nothing.
      state = { rev: Number.MAX_SAFE_INTEGER, actions: [] };
    } else {
      const parsed = parseDesiredState(payload);
      if (parsed === undefined) return;
      const known = this.#desired.get(topic);
      if (known !== undefined && parsed.rev <= known.rev) return;
      state = parsed;
    }
    this.#desired.set(topic, state);
    this.#options.notify({ kind: 'desired', agentId: this.agentId, topic, rev: state.rev, at });
    this.#reconcile();
  }

  #reconcile(): void {
    const wanted = new Map<string, Action>();
    for (const set of this.#desired.values()) for (const action of set.actions) wanted.set(action.id, action);
    for (const id of [...this.#installed.keys()]) {
      if (!wanted.has(id)) this.#uninstall(id, 'removed', 'the action was removed');
    }
    for (const id of this.#finished) if (!wanted.has(id)) this.#finished.delete(id);
    for (const action of wanted.values()) {
      if (!this.#installed.has(action.id) && !this.#finished.has(action.id)) this.#install(action);
    }
  }

  #install(action: Action): void {
    const remaining = Date.parse(action.expiresAt) - Date.now();
    if (!(remaining > 0)) {
      this.#finished.add(action.id);
      this.#report(action.id, 'expired', `expired at ${action.expiresAt}`);
      return;
    }
    this.#installed.set(action.id, action);
    // Timers longer than 2^31 ms fire at once; actions expire within 7 days anyway.
    const timer = setTimeout(
      () => {
        this.#uninstall(action.id, 'expired', `expired at ${action.expiresAt}`);
        this.#finished.add(action.id);
      },
      Math.min(remaining, 2 ** 31 - 1),
    );
    timer.unref();
    this.#expiry.set(action.id, timer);
    this.#report(action.id, 'installed', 'installed on a simulated agent (no breakpoint)', { file: action.file, line: action.line });
  }

  #uninstall(actionId: string, state: ActionState, message: string): void {
    clearTimeout(this.#expiry.get(actionId));
    this.#expiry.delete(actionId);
    this.#installed.delete(actionId);
    this.#report(actionId, state, message);
  }

  #report(actionId: string, state: ActionState, message: string, location?: { file: string; line: number }): void {
    const event: ActionStatusEvent = {
      kind: 'action_status',
      agentId: this.agentId,
      time: new Date().toISOString(),
      actionId,
      state,
      message,
      ...defined({ location }),
    };
    this.#publish(event);
    this.#options.notify({ kind: 'status', agentId: this.agentId, actionId, state, at: preciseNow() });
  }

  #publish(event: AgentEvent): void {
    const client = this.#client;
    // QoS 1 messages published while offline are queued by mqtt.js and sent on reconnect.
    client?.publish(this.#options.topics.agentEvents(this.agentId), JSON.stringify(event), { qos: 1 });
  }

  #startHeartbeat(): void {
    const seconds = this.#options.heartbeatSeconds;
    if (seconds <= 0) return;
    const beat = () => {
      if (!this.connected) return;
      this.#publish({ kind: 'heartbeat', agentId: this.agentId, time: new Date().toISOString(), actions: this.#installed.size });
    };
    // Spread over the period, so a fleet started at once does not beat in step.
    this.#heartbeat = setTimeout(
      () => {
        beat();
        this.#heartbeat = setInterval(beat, seconds * 1000);
        this.#heartbeat.unref();
      },
      Math.random() * seconds * 1000,
    );
    this.#heartbeat.unref();
  }

  #clearTimers(): void {
    clearTimeout(this.#heartbeat);
    clearInterval(this.#heartbeat);
    for (const timer of this.#expiry.values()) clearTimeout(timer);
    this.#expiry.clear();
  }
}

/**
 * A structural check of `{rev, actions[]}`: the fleet trusts the control plane's schema-valid
 * output, and parsing each message with zod in thousands of agents would make the simulator,
 * not the system under test, the bottleneck.
 */
/** True when `promise` settled within `ms` (whether it resolved or rejected). */
async function bounded(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A broker URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function parseDesiredState(payload: Buffer): { rev: number; actions: readonly Action[] } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { rev, actions } = json as { rev?: unknown; actions?: unknown };
  if (typeof rev !== 'number' || !Array.isArray(actions)) return undefined;
  const valid = actions.every((a: unknown) => typeof a === 'object' && a !== null && typeof (a as { id?: unknown }).id === 'string');
  return valid ? { rev, actions: actions as Action[] } : undefined;
}
