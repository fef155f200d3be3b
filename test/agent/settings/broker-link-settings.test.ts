import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerAddress } from '../../../agent/src/settings/broker-link-settings.js';
import { readConnection } from '../../../agent/src/settings/connection-settings.js';

test('a broker URL becomes the connect options mqtt read from it: scheme, host, port, decoded credentials, WebSocket path', () => {
  assert.deepEqual(brokerAddress('mqtt://127.0.0.1:1883'), { protocol: 'mqtt', host: '127.0.0.1', port: 1883, path: '/', query: {} });
  assert.deepEqual(brokerAddress('mqtts://tls-agents:s%40cr%2Ft@broker.internal:8883'), {
    protocol: 'mqtts',
    host: 'broker.internal',
    port: 8883,
    path: '/',
    query: {},
    username: 'tls-agents',
    password: 's@cr/t',
  });
  assert.deepEqual(brokerAddress('wss://edge.example.com/mqtt?clientId=pinned'), {
    protocol: 'wss',
    host: 'edge.example.com',
    path: '/mqtt?clientId=pinned',
    query: { clientId: 'pinned' },
  });
  assert.equal(brokerAddress('mqtt://[::1]:1883').host, '::1', 'an IPv6 literal without its brackets, as the socket wants it');
});

test('LIVEPROBE_BROKER_URL that is no URL is refused when the settings are read, naming the variable', () => {
  assert.throws(() => readConnection({ LIVEPROBE_BROKER_URL: '//broker:1883' }), /LIVEPROBE_BROKER_URL: "\/\/broker:1883" is not a URL/);
});
