import { errorMessage } from '@liveprobe/protocol/util';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { redactUrl, redactUrlsIn } from '@liveprobe/protocol';
import type { RetainedPublisher } from '../desired-state/desired-state.js';
import { BrokerUnreachableError } from '../errors.js';

export interface BrokerConnection extends RetainedPublisher {
  /** Subscribes at the connection's `reportQos`; mqtt.js renews the subscriptions after every reconnect. */
  subscribe(filters: string[], onMessage: (topic: string, payload: Buffer) => void): Promise<void>;
  /** Called after the connection came back; the broker may have restarted and lost its retained messages. */
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}

/**
 * `trusted`: CA certificates, given only for the embedded broker. `reportQos`: the QoS of the
 * subscriptions to agents' reports. QoS 1 on a clean session buys no redelivery (a lost
 * connection drops the session and what it had in flight), only a PUBACK per report and the
 * broker's book-keeping of each until it comes; on the in-process embedded broker that was a
 * share of the control plane's work while a fleet connects (docs/decisions.md).
 */
export interface BrokerConnectionOptions {
  credentials?: { username: string; password: string };
  trusted?: string[];
  reportQos?: 0 | 1;
}

const CONNECT_TIMEOUT_MS = 5000;
const CLOSE_TIMEOUT_MS = 2000;

/**
 * The control plane's one MQTT client, for the embedded broker and an external one alike.
 * Speaks MQTT 3.1.1, which aedes, Mosquitto and the clustered brokers all accept.
 */
export async function connectToBroker(
  url: string,
  log: (line: string) => void,
  { credentials, trusted, reportQos = 1 }: BrokerConnectionOptions = {},
): Promise<BrokerConnection> {
  // An external broker's credentials can also come in the URL (mqtt://user:pass@host), which mqtt.js reads.
  const client = mqtt.connect(url, {
    ...credentials,
    // `trusted` is only given for the embedded broker, reached on loopback whatever name its certificate has:
    // the chain is still checked, the host name cannot be.
    ...(trusted === undefined ? {} : { ca: trusted, checkServerIdentity: () => undefined }),
    protocolVersion: 4,
    clientId: `liveprobe-control-plane-${randomBytes(4).toString('hex')}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  try {
    await firstConnect(client);
  } catch (err) {
    client.end(true);
    throw new BrokerUnreachableError(redactUrl(url), errorMessage(err));
  }

  // The URL may carry the broker password: every line below shows it without.
  const shown = redactUrl(url);
  let lost = false;
  const reconnectHandlers: Array<() => void> = [];
  client.on('offline', () => {
    if (!lost) log(`lost the MQTT broker at ${shown}; reconnecting every second`);
    lost = true;
  });
  client.on('connect', () => {
    if (!lost) return;
    lost = false;
    log(`reconnected to the MQTT broker at ${shown}`);
    for (const handler of reconnectHandlers) handler();
  });
  let closing = false;
  // While reconnecting, every attempt fails the same way; the 'offline' line already said so.
  // While closing, a message still arriving cannot be acknowledged ('write after end'): nothing to report.
  client.on('error', (err) => {
    if (!lost && !closing) log(`MQTT: ${redactUrlsIn(err.message)}`);
  });

  return {
    async publishRetained(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1, retain: true });
    },
    async subscribe(filters, onMessage) {
      client.on('message', (topic, payload) => onMessage(topic, payload));
      await client.subscribeAsync(filters, { qos: reportQos });
    },
    onReconnect(handler) {
      reconnectHandlers.push(handler);
    },
    async close() {
      closing = true;
      // A graceful end waits for unacknowledged publishes, which never come from a broker that is gone.
      const graceful = client.endAsync(!client.connected);
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<boolean>((resolve) => {
        timer = setTimeout(resolve, CLOSE_TIMEOUT_MS, true);
      });
      if (await Promise.race([graceful.then(() => false), gaveUp])) await client.endAsync(true);
      clearTimeout(timer);
    },
  };
}

function firstConnect(client: mqtt.MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onConnect = () => done();
    const onError = (err: Error) => done(err);
    const timer = setTimeout(() => done(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000}s`)), CONNECT_TIMEOUT_MS);
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}
