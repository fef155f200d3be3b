// An open `GET /api/v1/events` stream is not authorized once for ever: revoking its token, or
// the token expiring, ends it within seconds, while other tokens' streams go on. Against a
// real `liveprobe up`, the real CLI, and agent events over MQTT.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createParser } from 'eventsource-parser';
import mqtt from 'mqtt';
import { topics } from '@liveprobe/protocol';
import { cli, startControlPlane, tailCli, waitFor, type ControlPlane } from '../helpers/index.js';
import { identityProvider } from '../helpers/identity-provider.js';

interface Stream {
  events: Array<{ event: string; data: string }>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  isEnded(): boolean;
}

async function openStream(t: TestContext, cp: ControlPlane, token: string): Promise<Stream> {
  const abort = new AbortController();
  t.after(() => abort.abort());
  const response = await fetch(`${cp.url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  assert.equal(response.status, 200);
  const events: Stream['events'] = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event ?? 'message', data: message.data }) });
  let done = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) parser.feed(decoder.decode(chunk, { stream: true }));
    done = true;
  })();
  return { events, ended, isEnded: () => done };
}

async function token(cp: ControlPlane, name: string, role: string, expires?: string): Promise<{ id: string; secret: string }> {
  const created = await cli(
    ['token', 'create', '--name', name, '--role', role, '--json', ...(expires === undefined ? [] : ['--expires', expires])],
    {
      server: cp.url,
      token: cp.token!,
    },
  );
  assert.equal(created.code, 0, created.stderr);
  const body = JSON.parse(created.stdout) as { token: { id: string }; secret: string };
  return { id: body.token.id, secret: body.secret };
}

async function agentEvent(t: TestContext, cp: ControlPlane, reason: string): Promise<void> {
  const agent = await mqtt.connectAsync(cp.mqttUrl, { clientId: 'agent-1', reconnectPeriod: 0, protocolVersion: 4 });
  t.after(() => agent.endAsync(true));
  const event = { kind: 'dropped', agentId: 'agent-1', time: new Date().toISOString(), count: 1, reason };
  await agent.publishAsync(topics().agentEvents('agent-1'), JSON.stringify(event), { qos: 1 });
  await agent.endAsync();
}

function endedBecauseUnauthenticated(stream: Stream): void {
  const last = stream.events.at(-1);
  assert.equal(last?.event, 'end', `the last event says why: ${JSON.stringify(stream.events)}`);
  assert.equal((JSON.parse(last.data) as { code: string }).code, 'unauthenticated');
}

test('revoking a token ends its open event streams within seconds; other tokens’ streams go on', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const viewer = await token(cp, 'laptop', 'viewer');
  const editor = await token(cp, 'ci', 'editor');
  const staying = await token(cp, 'dashboard', 'viewer');
  // Two streams on the viewer token (two tabs), one on the editor's, one on a token nobody revokes.
  const streams = [await openStream(t, cp, viewer.secret), await openStream(t, cp, viewer.secret), await openStream(t, cp, editor.secret)];
  const other = await openStream(t, cp, staying.secret);

  await agentEvent(t, cp, 'before');
  await waitFor(() => streams.every((s) => s.events.some((e) => e.data.includes('before'))), 10_000, 'every stream to deliver');

  for (const revoked of [viewer, editor]) {
    const result = await cli(['token', 'revoke', revoked.id], { server: cp.url, token: cp.token! });
    assert.equal(result.code, 0, result.stderr);
  }
  await Promise.all(streams.map((s) => s.ended));
  for (const stream of streams) endedBecauseUnauthenticated(stream);

  // Events after the revocation reach the other stream only.
  await agentEvent(t, cp, 'after');
  await waitFor(() => other.events.some((e) => e.data.includes('after')), 10_000, 'the other stream to go on');
  assert.equal(other.isEnded(), false);
  for (const stream of streams) assert.ok(!stream.events.some((e) => e.data.includes('after')));
  const again = await fetch(`${cp.url}/api/v1/events`, { headers: { authorization: `Bearer ${viewer.secret}` } });
  assert.equal(again.status, 401, 'and the revoked token cannot open a new one');
});

test('a token’s open event stream ends when the token expires', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const shortLived = await token(cp, 'short', 'viewer', '3s');
  const longer = await token(cp, 'longer', 'admin', '1h');
  const expiring = await openStream(t, cp, shortLived.secret);
  const lasting = await openStream(t, cp, longer.secret);
  await expiring.ended;
  endedBecauseUnauthenticated(expiring);
  await agentEvent(t, cp, 'later');
  await waitFor(() => lasting.events.some((e) => e.data.includes('later')), 10_000, 'the stream of the token still valid to go on');
  assert.equal(lasting.isEnded(), false);
});

test('a single sign-on JWT’s open event stream ends when the JWT expires', async (t) => {
  const idp = await identityProvider();
  t.after(() => idp.stop());
  const cp = await startControlPlane({ auth: true, args: ['--oidc-issuer', idp.issuer, '--oidc-audience', 'liveprobe'] });
  t.after(() => cp.stop());
  // Expiry is checked with 5 s of clock tolerance, as for every request.
  const expiring = await openStream(t, cp, await idp.sign({ roles: ['viewer'] }, { expiresIn: '2s' }));
  const lasting = await openStream(t, cp, await idp.sign({ roles: ['viewer'] }, { expiresIn: '10m' }));
  await expiring.ended;
  endedBecauseUnauthenticated(expiring);
  await agentEvent(t, cp, 'later');
  await waitFor(() => lasting.events.some((e) => e.data.includes('later')), 10_000, 'the stream of the valid JWT to go on');
  assert.equal(lasting.isEnded(), false);
});

test('`liveprobe tail` stops when its token is revoked, and says why', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const viewer = await token(cp, 'terminal', 'viewer');
  const tail = await tailCli([], { server: cp.url, token: viewer.secret });
  t.after(() => tail.stop());
  await agentEvent(t, cp, 'seen by tail');
  await tail.waitForLine((line) => line.includes('seen by tail'), 10_000, 'the event');
  const revoked = await cli(['token', 'revoke', viewer.id], { server: cp.url, token: cp.token! });
  assert.equal(revoked.code, 0, revoked.stderr);
  const status = await tail.exited;
  assert.equal(status.code, 1);
  assert.match(
    tail.output(),
    /error: the control plane ended the stream: the token of this stream was revoked or has expired; run liveprobe tail again with a valid token/,
  );
});
