/**
 * The agent's broker link while no action targets this process, kept on the app's main thread
 * so an idle agent needs no worker thread (an isolate of its own: most of an idle agent's
 * memory, docs/decisions.md). It publishes the agent's status and heartbeats and watches the
 * desired state; the first action in it closes the link cleanly (no Last Will) and hands over to
 * the worker, which connects with the same client id and reads the retained desired state again.
 * Nothing here may keep the app alive: the socket and every timer are unref'd. Nothing here may
 * throw into the app either, whatever the app did to its globals or built-ins meanwhile: Buffer
 * comes from Node's module, timers, JSON and Date are as they were when the agent loaded (not the
 * `node:timers` exports, which fake-timer libraries replace as well), mqtt
 * reads its globals as they were then (main/pristine-require.ts), and every callback of the link
 * is guarded: a failure is logged and the link tried again a second later.
 */
import { Buffer } from 'node:buffer';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { type AgentOnline, HEARTBEAT_SECONDS, type PrepareSummary, topics } from '@liveprobe/protocol';
import type * as Mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { connectMqtt } from '../mqtt-client.js';
import type { ConnectionSettings } from '../settings/connection-settings.js';
import type { PrepareTally } from './prepare-tally.js';
import { errorText } from './error-text.js';
import { clearRepeat, clearTimer, dateNow, setImmediateTask, setRepeat, setTimer } from './builtins.js';
import { requireWithPristineGlobals } from './pristine-require.js';
import { AGENT_VERSION } from '../settings/agent-version.js';
import { brokerUrlForLog } from '../settings/broker-link-settings.js';
import { BrokerDrops } from '../settings/broker-drops.js';
import { isoTime } from '../iso-time.js';

type KeepaliveTimer = Exclude<NonNullable<IClientOptions['timerVariant']>, string>;

/**
 * mqtt as one CommonJS file in pieces beside the app thread's bundle (agent/scripts/bundle-agent.mjs;
 * from dist/main/ or dist/bundle/ alike).
 */
const MQTT_BUNDLE = new URL('../bundle/mqtt-pieces.cjs', import.meta.url);

/** As the worker's link: a lost broker is tried again every second. */
const RECONNECT_MS = 1000;
/** MQTT's DISCONNECT packet, as 3.1.1 and 5 both read it (no reason code: a normal disconnection). */
const DISCONNECT = Buffer.from([0xe0, 0x00]);
/** No retained desired state for this long after the subscription: nothing targets this agent yet. */
const QUIET_MS = 200;

const { parse: parseJson, stringify } = JSON;
const { isArray } = Array;
const NativePromise = Promise;

export interface StandbyOptions {
  connection: ConnectionSettings;
  /** The birth's `startedAt`, which the worker's birth repeats. */
  startedAt: string;
  /** How prepared files fared: the status carries it until the worker takes over. */
  prepared: PrepareTally;
  /** An action targets this agent: the link is closed, the worker must start. */
  handOver: () => void;
  /** Subscribed, and no action came with the retained desired state (releases LIVEPROBE_STARTUP_WAIT_MS). */
  idle: () => void;
  log: (line: string) => void;
  /** A line for LIVEPROBE_LOG_LEVEL=debug only. */
  debug: (line: string) => void;
}

export class StandbyLink {
  private handedOver = false;
  private reconnect: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private quiet: NodeJS.Timeout | undefined;
  private prepare: PrepareSummary | undefined;
  /** A guarded callback failed since the link last connected (said once). */
  private failed = false;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: StandbyOptions,
    /** mqtt's keep-alive timer, the one it set last. */
    private readonly keepalive: { timer?: NodeJS.Timeout },
  ) {}

  /** mqtt loads here, not with the agent: an agent whose worker starts at once never needs it on this thread. */
  static async start(options: StandbyOptions): Promise<StandbyLink> {
    // Loaded a turn later, as the dynamic import it replaces was: not in the app's start-up (~25 ms).
    await new NativePromise<void>((resolve) => setImmediateTask(resolve));
    const mqtt = loadMqtt();
    const { connection } = options;
    const keepalive: { timer?: NodeJS.Timeout } = {};
    const client = connectMqtt(mqtt, {
      // Never the URL string: mqtt would parse it with url.parse(), which warns in the app's stderr on Node 24.
      ...connection.broker,
      clientId: connection.agentId,
      // Connected below, once the socket it opens is unref'd; reconnected by an unref'd timer.
      manualConnect: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      writeCache: false,
      // Its keep-alive timer; its type is that of browser timers (numbers), Node's handle works the same.
      // The link keeps the one set last, to stop it at the hand-over without going through mqtt.
      timerVariant: {
        set: ((handler: () => void, ms: number) => (keepalive.timer = unrefInterval(handler, ms))) as unknown as KeepaliveTimer['set'],
        clear: (id) => clearRepeat(id),
      },
      will: {
        topic: topics(connection.topicPrefix).agentStatus(connection.agentId),
        payload: Buffer.from(stringify({ state: 'offline', agentId: connection.agentId })),
        qos: 1,
        retain: true,
      },
    });
    const link = new StandbyLink(client, options, keepalive);
    link.listen();
    link.connect();
    return link;
  }

  private connect(): void {
    unrefStreams(this.client);
    if (this.client.disconnected) this.client.reconnect();
    else this.client.connect();
    (this.client as unknown as { connackTimer?: NodeJS.Timeout }).connackTimer?.unref();
  }

  /** In a second, unless a try is already waiting or the link was handed over. */
  private reconnectLater(): void {
    if (this.reconnect !== undefined || this.handedOver) return;
    this.reconnect = setTimer(
      this.guard('reconnecting', () => {
        this.reconnect = undefined;
        if (!this.handedOver) this.connect();
      }),
      RECONNECT_MS,
    );
    this.reconnect.unref();
  }

  /**
   * `callback`, run from a timer or a socket event on the app's thread: what it throws is said
   * once per outage and the link tried again, never thrown into the app.
   */
  private guard<A extends unknown[]>(what: string, callback: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        callback(...args);
      } catch (err) {
        if (!this.failed) this.options.log(`the broker link failed ${what} (${errorText(err)}); retrying every second`);
        this.failed = true;
        this.reconnectLater();
      }
    };
  }

  private listen(): void {
    const { client, options } = this;
    const { connection, log } = options;
    const names = topics(connection.topicPrefix);
    const shownUrl = brokerUrlForLog(connection.brokerUrl);
    let everConnected = false;
    let connected = false;
    let reportedError = false;
    let failures = 0;
    const drops = new BrokerDrops(connection.agentId, dateNow);
    client.on(
      'connect',
      this.guard('as it connected', () => {
        this.failed = false;
        reportedError = false;
        failures = 0;
        connected = true;
        drops.connected();
        if (!drops.repeating)
          log(
            `${everConnected ? 'reconnected' : 'connected'} to ${shownUrl} as ${connection.agentId} (tags: ${connection.tags.join(', ') || 'none'}); the agent's worker starts with the first action`,
          );
        everConnected = true;
        this.publishStatus();
        const subscriptions = [...connection.tags.map((t) => names.tagActions(t)), names.agentActions(connection.agentId)];
        client.subscribe(
          subscriptions,
          { qos: 1 },
          this.guard('subscribing', (err) => {
            if (err !== null && err !== undefined) return;
            drops.subscriptionsAcknowledged();
            this.restartQuiet();
          }),
        );
      }),
    );
    this.prepare = options.prepared.onChange(
      this.guard('publishing its status', (summary) => {
        this.prepare = summary;
        this.publishStatus();
      }),
    );
    client.on(
      'message',
      this.guard('reading the desired state', (_topic, payload) => {
        if (hasActions(payload)) this.handOver();
        else this.restartQuiet();
      }),
    );
    client.on(
      'error',
      this.guard('reporting an error', (err: Error) => {
        // Said once per outage, and only once a retry failed too: a job that ends within a second
        // of its start (a CLI, a test) keeps its stderr as it was without the agent.
        failures++;
        drops.errored();
        if (reportedError || failures < 2) return;
        reportedError = true;
        log(
          `broker ${shownUrl}: ${errorText(err)}${/Bad username or password|Not authorized/.test(errorText(err)) ? ": the broker wants an agent token: LIVEPROBE_BROKER_URL=mqtt://<name>:<agent token>@host:port (liveprobe token create --role agent), LIVEPROBE_AGENT_ID among its --agent ids; the control plane's log says why it refused" : ''}; retrying every second`,
        );
      }),
    );
    client.on(
      'close',
      this.guard('as it closed', () => {
        if (this.handedOver) return;
        // mqtt says 'offline' only when it reconnects by itself; here the link does.
        const line = drops.closed(connected, `lost the broker ${shownUrl}; reconnecting`);
        if (line !== undefined) log(line);
        connected = false;
        this.reconnectLater();
      }),
    );
    this.heartbeat = setRepeat(
      this.guard('sending a heartbeat', () => {
        if (!client.connected) return;
        const event = { kind: 'heartbeat', agentId: connection.agentId, time: isoTime(dateNow()), actions: 0 };
        client.publish(names.agentEvents(connection.agentId), stringify(event), { qos: 1 });
      }),
      HEARTBEAT_SECONDS * 1000,
    );
    this.heartbeat.unref();
  }

  /** The agent's retained status: the same birth the worker publishes when it takes over. */
  private publishStatus(): void {
    const { client, options } = this;
    if (!client.connected || this.handedOver) return;
    const { connection } = options;
    const status: AgentOnline = {
      state: 'online',
      agentId: connection.agentId,
      hostname: hostname(),
      pid: process.pid,
      runtime: 'node',
      runtimeVersion: process.version,
      agentVersion: AGENT_VERSION,
      tags: connection.tags,
      startedAt: options.startedAt,
      ...(this.prepare === undefined ? {} : { prepare: this.prepare }),
    };
    client.publish(topics(connection.topicPrefix).agentStatus(connection.agentId), stringify(status), { qos: 1, retain: true });
  }

  private restartQuiet(): void {
    clearTimer(this.quiet);
    this.quiet = setTimer(
      this.guard('waiting for the desired state', () => {
        if (!this.handedOver) this.options.idle();
      }),
      QUIET_MS,
    );
    this.quiet.unref();
  }

  /**
   * A clean DISCONNECT, so the broker publishes no Last Will between this link and the worker's.
   * Run for the first time on the app's thread, each step has V8 compile the code it runs
   * (docs/BENCHMARKS.md, install stall), so the link writes the DISCONNECT and ends the socket
   * itself, with mqtt detached from it: mqtt's end, clean-up and close paths (its stores, its
   * parser's stream, its reconnect logic) never run here, only Node's own end of a socket. It
   * does so in the next event-loop turn, once mqtt has acknowledged the message that brought the
   * action (its PUBACK follows the 'message' listeners): the read and the end of the socket each
   * compile what they run in a turn of their own. The worker starts in a turn of its own once the
   * socket closed, the app's due timers before it, rather than in the socket's close. Nothing is
   * lost meanwhile: the worker reads the retained desired state again when it connects.
   */
  private handOver(): void {
    if (this.handedOver) return;
    this.handedOver = true;
    clearRepeat(this.heartbeat);
    clearTimer(this.reconnect);
    clearTimer(this.quiet);
    this.options.debug('an action arrived: the broker link on the app thread hands over to the worker');
    setTimer(() => this.close(), 0).unref();
  }

  private close(): void {
    clearRepeat(this.keepalive.timer);
    const stream = this.client.stream as unknown as Duplex | undefined;
    let closed = false;
    const handOver = (): void => {
      if (closed) return;
      closed = true;
      this.options.debug('the broker link on the app thread closed');
      // After the app's due timers: a setImmediate would run before any of them, in the same stretch.
      setTimer(this.guard('handing over', this.options.handOver), 0).unref();
    };
    if (stream === undefined || stream.destroyed) {
      handOver();
      return;
    }
    try {
      // mqtt's parser and its listeners let go of the socket; Node's own (its end of the socket) stay.
      stream.unpipe();
      stream.removeAllListeners('error');
      stream.removeAllListeners('close');
      // The socket may still fail as it closes: nothing is left to tell about it.
      stream.on('error', () => {});
      stream.once('close', handOver);
      // As mqtt ends it: the DISCONNECT, the socket's end, then closed at once, before the
      // broker's end is read (which would run Node's end-of-stream path for the first time too).
      stream.end(DISCONNECT, () => destroyQuietly(stream));
    } catch (err) {
      // The worker starts all the same; the broker may publish the Last Will before its birth.
      this.options.log(`the broker link on the app thread did not close cleanly (${errorText(err)})`);
      destroyQuietly(stream);
      handOver();
    }
  }
}

/**
 * Whether a desired-state message holds any action. Validated by the worker, not here: a message
 * the worker refuses costs a started worker, which reports why (and the app thread never loads zod).
 */
function hasActions(payload: Buffer): boolean {
  if (payload.length === 0) return false;
  try {
    const json: unknown = parseJson(payload.toString('utf8'));
    const actions = typeof json === 'object' && json !== null ? (json as { actions?: unknown }).actions : undefined;
    return isArray(actions) && actions.length > 0;
  } catch {
    return false;
  }
}

/**
 * mqtt, in no require cache: once the link is closed and handed over, nothing holds its code and
 * V8 collects it (~2 MiB of the app's heap for the life of the app, as an ES module, which Node
 * never unloads). It reads the globals as they were before the app ran (main/pristine-require.ts).
 */
function loadMqtt(): typeof Mqtt {
  return requireWithPristineGlobals(fileURLToPath(MQTT_BUNDLE)) as typeof Mqtt;
}

function destroyQuietly(stream: Duplex): void {
  try {
    stream.destroy();
  } catch {
    // Nothing on the app's thread may throw into the app.
  }
}

function unrefInterval(handler: () => void, ms: number): NodeJS.Timeout {
  const timer = setRepeat(handler, ms);
  timer.unref();
  return timer;
}

/** Wraps mqtt's stream builder (not part of its typed API) so each socket it opens does not hold the app open. */
function unrefStreams(client: MqttClient): void {
  const holder = client as unknown as { streamBuilder: (client: MqttClient) => Duplex; unrefWrapped?: true };
  if (holder.unrefWrapped) return;
  const build = holder.streamBuilder;
  holder.streamBuilder = (c) => {
    const stream = build(c);
    (stream as Duplex & { unref?: () => void }).unref?.();
    return stream;
  };
  holder.unrefWrapped = true;
}
