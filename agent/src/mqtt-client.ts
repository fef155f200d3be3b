/**
 * The MQTT client of the agent's broker links (the app thread's standby link, the worker's broker
 * link), built without loading what their broker's protocol does not use. mqtt's own `connect`
 * requires the stream builders of every protocol on its first call: `ws` (and with it Node's http,
 * https and zlib) and Node's `tls`, some 3 MiB of each thread that links to an `mqtt://` broker,
 * the default and the embedded broker's. For `mqtt://` and `tcp://` the client gets a plain TCP
 * socket, as mqtt's own tcp builder would open it; every other case is mqtt's `connect`.
 */
import { createConnection } from 'node:net';
import type * as Mqtt from 'mqtt';

const MQTT_PORT = 1883;

export function connectMqtt(mqtt: typeof Mqtt, options: Mqtt.IClientOptions): Mqtt.MqttClient {
  const { protocol, host = 'localhost', port = MQTT_PORT, query } = options;
  // A SOCKS proxy (mqtt reads it from this variable) goes through mqtt's builder, which speaks it.
  const socks = typeof process === 'undefined' ? undefined : process.env.MQTTJS_SOCKS_PROXY;
  if ((protocol !== 'mqtt' && protocol !== 'tcp') || socks !== undefined) return mqtt.connect(options);
  // As mqtt's connect: no `path` (on a socket it names a local pipe), a `?clientId=` in the URL wins.
  const { path: _path, ...rest } = options;
  const clientOptions: Mqtt.IClientOptions = { ...rest, defaultProtocol: protocol };
  if (typeof query?.clientId === 'string') clientOptions.clientId = query.clientId;
  const client = new mqtt.MqttClient(() => createConnection({ port, host }), clientOptions);
  // As mqtt's connect: an error with no listener of the link's would be thrown, here into the app.
  client.on('error', () => {});
  return client;
}
