import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatsdEndpoint } from '../../../agent/src/worker/statsd-export.js';

test('a StatsD endpoint is host:port, optionally udp://, with IPv6 in brackets; anything else is refused', () => {
  assert.deepEqual(parseStatsdEndpoint('127.0.0.1:8125'), { host: '127.0.0.1', port: 8125 });
  assert.deepEqual(parseStatsdEndpoint('udp://statsd.internal:9125'), { host: 'statsd.internal', port: 9125 });
  assert.deepEqual(parseStatsdEndpoint('[::1]:8125'), { host: '::1', port: 8125 });
  for (const bad of ['statsd', 'http://statsd:8125', 'host:0', 'host:70000', ':8125', 'a b:1']) {
    assert.equal(parseStatsdEndpoint(bad), undefined, bad);
  }
});
