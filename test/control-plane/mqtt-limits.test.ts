// What an anonymous MQTT client can make the control plane hold: a packet announcing more than
// the limit is refused from its header (the connection closes before the payload is buffered),
// and connections that have not logged in are capped. Against a real `liveprobe up` and its
// embedded broker, measuring the process's resident memory from /proc.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import { startControlPlane, waitFor, type ControlPlane } from '../helpers/index.js';

const MiB = 1024 * 1024;
/** The MQTT remaining-length varint of n (1 to 4 bytes). */
function remainingLength(n: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  assert.ok(kib !== undefined, `no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

function rawSocket(t: TestContext, cp: ControlPlane): Promise<Socket> {
  const { hostname, port } = new URL(cp.mqttUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
    t.after(() => socket.destroy());
  });
}

/**
 * Sends `header`, then junk in 1 MiB chunks, up to `junkBytes`, until the server closes the
 * connection. Resolves with how much junk the socket accepted before it did; rejects if all
 * the junk went in and the server kept the connection open.
 */
async function floodUntilClosed(t: TestContext, cp: ControlPlane, header: number[], junkBytes: number): Promise<number> {
  const socket = await rawSocket(t, cp);
  socket.on('error', () => undefined); // EPIPE / ECONNRESET: the server closed it, which is the point
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  const junk = Buffer.alloc(MiB, 0x41);
  socket.write(Buffer.from(header));
  let sent = 0;
  while (!isClosed && sent < junkBytes) {
    const flushed = socket.write(junk);
    sent += junk.length;
    if (!flushed) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
  }
  await waitFor(() => isClosed, 10_000, `the control plane to close a connection after ${sent} bytes of junk`);
  return sent;
}

test('packets announcing more than the limit are refused from their header, before login and after, and memory stays flat', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const before = await rssBytes(cp.pid);

  // A CONNECT announcing 268 MB (the MQTT maximum), four times; a PUBLISH before any CONNECT; a CONNECT just past 64 KiB.
  const floods: Array<[string, number[]]> = [
    ['CONNECT of 268 MB', [0x10, ...remainingLength(268_435_455)]],
    ['CONNECT of 268 MB', [0x10, ...remainingLength(268_435_455)]],
    ['CONNECT of 268 MB', [0x10, ...remainingLength(268_435_455)]],
    ['CONNECT of 268 MB', [0x10, ...remainingLength(268_435_455)]],
    ['PUBLISH of 100 MB before CONNECT', [0x30, ...remainingLength(100 * MiB)]],
    ['CONNECT of 64 KiB + 1', [0x10, ...remainingLength(64 * 1024 + 1)]],
    ['a five-byte length', [0x10, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ];
  for (const [what, header] of floods) {
    const accepted = await floodUntilClosed(t, cp, header, 200 * MiB);
    assert.ok(accepted < 32 * MiB, `${what}: closed after ${accepted} bytes, not after reading the announced packet`);
  }
  const after = await rssBytes(cp.pid);
  assert.ok(
    after - before < 64 * MiB,
    `resident memory grew by ${((after - before) / MiB).toFixed(1)} MiB (from ${(before / MiB).toFixed(0)} MiB)`,
  );
  assert.match(cp.output(), /MQTT: closed connections whose packets announced more than 65536 bytes before login/);

  // After login the limit is higher (4 MiB): a 1 MiB event goes through, a packet announcing 8 MiB ends the connection.
  const agent = await mqtt.connectAsync(cp.mqttUrl, { clientId: 'big-1', reconnectPeriod: 0, protocolVersion: 4 });
  t.after(() => agent.endAsync(true));
  // Every wait is bounded: a connection left open must fail here, naming what did not happen.
  let acknowledged = false;
  void agent.publishAsync('liveprobe/v1/agents/big-1/events', Buffer.alloc(MiB, 0x20), { qos: 1 }).then(() => {
    acknowledged = true;
  });
  await waitFor(() => acknowledged, 20_000, 'the 1 MiB event to be acknowledged');
  let closed = false;
  agent.once('close', () => {
    closed = true;
  });
  agent.publish('liveprobe/v1/agents/big-1/events', Buffer.alloc(8 * MiB, 0x20), { qos: 0 });
  await waitFor(() => closed, 20_000, 'the connection announcing 8 MiB to be closed');
  await waitFor(
    () => /closed the connection of big-1: a packet announced \d+ bytes, more than the 4194304/.test(cp.output()),
    5000,
    'the log line',
  );
});

test('connections that have not logged in are capped; a login frees a place, and agents get in once the flood ends', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const idle: Socket[] = [];
  const idleSocket = async () => {
    const socket = await rawSocket(t, cp);
    socket.on('error', () => undefined);
    idle.push(socket);
    return socket;
  };
  const isClosedByServer = (socket: Socket) => waitFor(() => socket.closed, 20_000, 'the server to close the connection over the cap');

  for (let i = 0; i < 99; i++) await idleSocket();
  // The hundredth place: a real agent, which logs in and so gives its place back.
  const agent = await mqtt.connectAsync(cp.mqttUrl, { clientId: 'agent-1', reconnectPeriod: 0, protocolVersion: 4 });
  t.after(() => agent.endAsync(true));
  // So one more anonymous connection fits, which proves its place by logging in too…
  const fits = await mqtt.connectAsync(cp.mqttUrl, { clientId: 'agent-2', reconnectPeriod: 0, protocolVersion: 4 });
  t.after(() => fits.endAsync(true));
  // …and with 99 still waiting plus one more, the next is closed as it arrives, whether idle or a real client.
  await idleSocket();
  await isClosedByServer(await idleSocket());
  const turnedAway = mqtt.connect(cp.mqttUrl, { clientId: 'agent-3', reconnectPeriod: 0, protocolVersion: 4 });
  turnedAway.on('error', () => undefined);
  t.after(() => turnedAway.end(true));
  let turnedAwayClosed = false;
  turnedAway.once('close', () => {
    turnedAwayClosed = true;
  });
  await waitFor(() => turnedAwayClosed, 20_000, 'the client arriving during the flood to be closed');
  assert.equal(turnedAway.connected, false, 'a client arriving during the flood is turned away');
  await waitFor(() => cp.output().includes('MQTT: refused connections: 100 are already waiting to log in'), 5000, 'the log line');
  assert.equal(agent.connected, true, 'agents already logged in keep their connections');

  for (const socket of idle) socket.destroy();
  const later = await waitFor(
    () => mqtt.connectAsync(cp.mqttUrl, { clientId: 'agent-4', reconnectPeriod: 0, protocolVersion: 4 }).catch(() => undefined),
    10_000,
    'an agent to get in once the flood ended',
  );
  t.after(() => later.endAsync(true));
});
