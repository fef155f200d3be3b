import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { io as connect, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { lineOf, sseEvents } from '../helpers/index.js';
import { addAction, app, controlPlane, installed, isOutput } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

// WebSocket servers: ws 8 and socket.io 4 catch nothing a handler throws, so those errors are
// uncaught (the process ends, after the snapshot is out); socket.io's middlewares hand errors
// over with next(err), never thrown, which its own code answers (connect_error, the socket's
// `error` event): captured where the middleware handed them over.
const WS_APP = 'test/fixtures/websocket/ws-server.cjs';
const SIO_APP = 'test/fixtures/websocket/socket-io-server.cjs';
const WAIT = 15_000;
const MESSAGES = 300;

/** A ws client on the app's URL whose replies, parsed, are awaited in order. */
async function wsClient(t: TestContext, url: string): Promise<{ send(message: object): void; replies(count: number): Promise<unknown[]> }> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'));
  t.after(() => socket.terminate());
  await once(socket, 'open');
  const received: unknown[] = [];
  socket.on('message', (data) => received.push(JSON.parse(data.toString())));
  return {
    send: (message) => socket.send(JSON.stringify(message)),
    replies: async (count) => {
      while (received.length < count) await once(socket, 'message');
      return received;
    },
  };
}

test("ws: a log and a snapshot action in a message listener under load sample to their rate with the right values, every message answered as before; an async listener's rejection gives a snapshot with its locals before the process ends", async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const server = await app(t, { script: WS_APP, module: 'cjs', broker: cp.mqttUrl });
  const log = await addAction(cp, {
    type: 'log',
    file: WS_APP,
    line: lineOf(WS_APP, 'ws-price'),
    template: 'order {order.id} total {total}',
    tags: ['e2e'],
    ratePerSecond: 1,
  });
  const captured = await addAction(cp, {
    type: 'snapshot',
    file: WS_APP,
    line: lineOf(WS_APP, 'ws-price'),
    tags: ['e2e'],
    ratePerSecond: 1,
  });
  const exception = await addAction(cp, { type: 'exception', tags: ['e2e'], errorType: 'OrderError' });
  assert.match(await installed(cp, log.action.id), /^installed/);
  assert.match(await installed(cp, captured.action.id), /^installed/);
  assert.match(await installed(cp, exception.action.id), /^installed/);

  const client = await wsClient(t, server.url);
  for (let id = 1; id <= MESSAGES; id++) client.send({ op: 'price', id, quantity: id });
  const replies = await client.replies(MESSAGES);
  assert.deepEqual(
    replies,
    Array.from({ length: MESSAGES }, (_, i) => ({ id: i + 1, total: (i + 1) * 2.5 })),
    'every message answered, in order, with its total',
  );
  await events.waitFor(isOutput(log.action.id), WAIT, 'a log line');
  const lines = events
    .events()
    .filter(isOutput(log.action.id))
    .map((e) => (e.data as OutputEvent).message);
  for (const line of lines) {
    const id = Number(/^order (\d+) total/.exec(line)?.[1]);
    assert.equal(line, `order ${id} total ${id * 2.5}`, 'each line has the values of its own message');
  }
  assert.ok(lines.length < MESSAGES / 2, `sampled to about one a second: ${lines.length} lines for ${MESSAGES} messages`);
  await snapshots.waitFor((e) => e.actionId === captured.action.id, WAIT, 'a snapshot of the line');
  const taken = snapshots.items().filter((e) => e.actionId === captured.action.id);
  for (const { snapshot } of taken) {
    const order = find(snapshot.locals, 'order');
    assert.ok(order.t === 'object');
    const id = (order.props.find(([name]) => name === 'id')?.[1] as { v: number }).v;
    assert.deepEqual(find(snapshot.locals, 'total'), { t: 'number', v: id * 2.5 }, 'each snapshot has the values of its own message');
  }
  assert.ok(taken.length < MESSAGES / 2, `sampled to about one a second: ${taken.length} snapshots for ${MESSAGES} messages`);

  client.send({ op: 'refund', id: 7, cents: 900 });
  const { snapshot } = await snapshots.waitFor((e) => e.actionId === exception.action.id, WAIT, 'the rejection snapshot');
  assert.deepEqual(snapshot.exception, { type: 'OrderError', message: 'refund 7 of 900 cents refused', causes: [], rejection: true });
  assert.equal(snapshot.location.line, lineOf(WS_APP, 'ws-refund'));
  assert.equal(find(snapshot.locals, 'refund').t, 'object');
  assert.equal((await server.exited).code, 1, 'the process ends as it would without the agent');
});

test("ws: a message listener's throw gives a snapshot at its throw site with the listener's locals before the process ends", async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const server = await app(t, { script: WS_APP, module: 'cjs', broker: cp.mqttUrl });
  const exception = await addAction(cp, { type: 'exception', tags: ['e2e'], errorType: 'OrderError' });
  assert.match(await installed(cp, exception.action.id), /^installed/);

  const client = await wsClient(t, server.url);
  client.send({ op: 'crash', id: 3, quantity: 4 });
  const { snapshot } = await snapshots.waitFor((e) => e.actionId === exception.action.id, WAIT, 'the uncaught snapshot');
  assert.deepEqual(snapshot.exception, { type: 'OrderError', message: 'order 3 has no price for 4', causes: [] });
  assert.equal(snapshot.location.line, lineOf(WS_APP, 'ws-crash'));
  assert.equal(find(snapshot.locals, 'order').t, 'object');
  assert.equal(find(snapshot.locals, 'message').t, 'object');
  assert.equal((await server.exited).code, 1, 'the process ends as it would without the agent');
  assert.match(server.output(), /OrderError: order 3 has no price for 4/);
});

/** A socket.io client of `user` with `token`, once it connected or was refused. */
async function sioClient(t: TestContext, url: string, user: string, token: string): Promise<{ socket: Socket; refusal?: string }> {
  const socket = connect(url, { auth: { user, token }, transports: ['websocket'], reconnection: false });
  t.after(() => socket.close());
  const refusal = await new Promise<string | undefined>((resolve) => {
    socket.once('connect', () => resolve(undefined));
    socket.once('connect_error', (err) => resolve(err.message));
  });
  return refusal === undefined ? { socket } : { socket, refusal };
}

test("socket.io: a middleware's next(err) gives a snapshot where it handed the error over, whether socket.io answers connect_error or the socket's error event; a handler's throw is uncaught and gives one at its throw site", async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const server = await app(t, { script: SIO_APP, module: 'cjs', broker: cp.mqttUrl });
  const exception = await addAction(cp, { type: 'exception', tags: ['e2e'], messagePattern: 'refused|over|no price' });
  assert.match(await installed(cp, exception.action.id), /^installed/);

  // The namespace's middleware refuses the connection: the client sees connect_error as before.
  assert.equal((await sioClient(t, server.url, 'ada', 'guess')).refusal, "ada's token refused");
  const { snapshot: refused } = await snapshots.waitFor(
    (e) => e.snapshot.exception?.message === "ada's token refused",
    WAIT,
    "the connection middleware's snapshot",
  );
  assert.equal(refused.exception?.type, 'AuthError');
  assert.equal(refused.location.line, lineOf(SIO_APP, 'sio-refuse'), 'where the middleware called next(err)');
  assert.deepEqual(find(refused.locals, 'user'), { t: 'string', v: 'ada' });
  assert.deepEqual(find(refused.locals, 'token'), { t: 'redacted' });

  // The socket's middleware refuses an event: the app's `error` listener answers it.
  const { socket } = await sioClient(t, server.url, 'lin', 'let-me-in');
  assert.deepEqual(await socket.emitWithAck('price', { id: 1, quantity: 2 }), { id: 1, total: 5 });
  socket.emit('withdraw', { cents: 250 });
  const answer = await new Promise<string>((resolve) => socket.once('refused', resolve));
  assert.equal(answer, 'withdrawal of 250 cents over 100');
  const { snapshot: limited } = await snapshots.waitFor(
    (e) => e.snapshot.exception?.message === answer,
    WAIT,
    "the event middleware's snapshot",
  );
  assert.equal(limited.location.line, lineOf(SIO_APP, 'sio-over-limit'));
  assert.deepEqual(find(limited.locals, 'limit'), { t: 'number', v: 100 });

  socket.emit('crash', { id: 9, quantity: 3 });
  const { snapshot: crashed } = await snapshots.waitFor(
    (e) => e.snapshot.exception?.type === 'OrderError',
    WAIT,
    "the handler's uncaught snapshot",
  );
  assert.equal(crashed.exception?.message, 'order 9 has no price for 3');
  assert.equal(crashed.location.line, lineOf(SIO_APP, 'sio-crash'));
  assert.equal(find(crashed.locals, 'line').t, 'object');
  assert.equal((await server.exited).code, 1, 'the process ends as it would without the agent');
  assert.equal(snapshots.items().length, 3, 'one snapshot per error');
});
