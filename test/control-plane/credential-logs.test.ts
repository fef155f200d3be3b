// No credential appears in a log line, banner, status or error: the external broker's password
// (banner, reconnect lines, start-up errors), a token in a URL's query, an identity provider's
// client secret, a database password, and the agent token `liveprobe attach` is given.
// Through real processes: `liveprobe up`, Mosquitto, `liveprobe attach`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Child, builtFile } from '@liveprobe/harness';
import { cli, freePort, mosquitto, startControlPlane, tempDir, waitFor } from '../helpers/index.js';
import { attachCli, plainNodeService } from '../attach/fixtures.js';

const run = promisify(execFile);

function assertNoSecret(output: string, secrets: string[]): void {
  for (const secret of secrets) assert.ok(!output.includes(secret), `"${secret}" was printed:\n${output}`);
}

/** `liveprobe up <args>` that must fail at start-up: its exit code and everything it printed. */
async function upFails(args: string[]): Promise<{ code: number | null; output: string }> {
  const dir = await tempDir('liveprobe-creds-');
  try {
    const child = new Child(
      process.execPath,
      [builtFile('cli/dist/main.js'), 'up', '--port', '0', '--mqtt-port', '0', '--data-dir', dir.path, ...args],
      {
        name: 'liveprobe up',
      },
    );
    const status = await child.exited;
    await child.closed;
    return { code: status.code, output: child.output() };
  } finally {
    await dir.remove();
  }
}

test('the external broker’s password is in no banner, reconnect line or error of the control plane', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir('liveprobe-creds-mosquitto-');
  t.after(() => dir.remove());
  const passwords = join(dir.path, 'passwords');
  await writeFile(passwords, '');
  await run('mosquitto_passwd', ['-b', passwords, 'liveprobe-control-plane', 'Br0kerPassw0rd']);
  await chmod(dir.path, 0o755);
  await chmod(passwords, 0o644);
  const broker = await mosquitto({ auth: ['allow_anonymous false', `password_file ${passwords}`] });
  t.after(() => broker.stop());
  const cp = await startControlPlane({ broker: broker.url.replace('mqtt://', 'mqtt://liveprobe-control-plane:Br0kerPassw0rd@') });
  t.after(() => cp.stop());
  assert.match(cp.output(), /^mqtt broker\s+mqtt:\/\/liveprobe-control-plane:\*\*\*@127\.0\.0\.1:\d+ \(external\)$/m);

  await broker.kill();
  await waitFor(() => /lost the MQTT broker at mqtt:\/\/liveprobe-control-plane:\*\*\*@/.test(cp.output()), 10_000, 'the lost line');
  await broker.start();
  await waitFor(
    () => /reconnected to the MQTT broker at mqtt:\/\/liveprobe-control-plane:\*\*\*@/.test(cp.output()),
    15_000,
    'the reconnected line',
  );
  assertNoSecret(cp.output(), ['Br0kerPassw0rd']);
});

test('start-up errors name the broker, database and identity provider without their passwords, tokens or client secrets', {
  timeout: 60_000,
}, async (t) => {
  const closed = await freePort();
  const unreachable = await upFails(['--broker', `mqtt://cp:Unre4chablePw@127.0.0.1:${closed}/?access_token=lpt_QueryT0ken`]);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.output, /cannot connect to the MQTT broker at mqtt:\/\/cp:\*\*\*@127\.0\.0\.1:\d+\/\?access_token=\*\*\*/);
  const badScheme = await upFails(['--broker', 'bogus://cp:Sch3mePw@broker:1883']);
  assert.equal(badScheme.code, 1);
  assert.match(badScheme.output, /brokerUrl is "bogus:\/\/cp:\*\*\*@broker:1883"; expected a broker URL/);
  const database = await upFails(['--database', `postgres://liveprobe:Datab4sePw@127.0.0.1:${closed}/liveprobe?sslpassword=Ss1Pw`]);
  assert.equal(database.code, 1);
  assert.match(database.output, /postgres:\/\/liveprobe:\*\*\*@127\.0\.0\.1:\d+\/liveprobe\?sslpassword=\*\*\*/);
  assertNoSecret([unreachable.output, badScheme.output, database.output].join('\n'), [
    'Unre4chablePw',
    'lpt_QueryT0ken',
    'Sch3mePw',
    'Datab4sePw',
    'Ss1Pw',
  ]);

  // An identity provider's keys behind basic auth and a client secret: the 503 and the log name neither.
  const cp = await startControlPlane({
    auth: true,
    args: [
      '--oidc-issuer',
      'https://idp.example',
      '--oidc-audience',
      'liveprobe',
      '--oidc-jwks-url',
      `http://liveprobe:Cl1entSecret@127.0.0.1:${closed}/jwks?client_secret=Qu3rySecret`,
    ],
  });
  t.after(() => cp.stop());
  // Well-formed enough that the keys are fetched to check its signature.
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const jwt = `${part({ alg: 'RS256', kid: 'k1' })}.${part({ sub: 'someone', aud: 'liveprobe' })}.c2ln`;
  const response = await fetch(`${cp.url}/api/v1/actions`, { headers: { authorization: `Bearer ${jwt}` } });
  const body = await response.text();
  assert.equal(response.status, 503, body);
  assert.match(
    body,
    /cannot read the identity provider's keys from http:\/\/liveprobe:\*\*\*@127\.0\.0\.1:\d+\/jwks\?client_secret=\*\*\*/,
  );
  assertNoSecret(`${body}\n${cp.output()}`, ['Cl1entSecret', 'Qu3rySecret']);
  const whoami = await cli(['whoami'], { server: cp.url, token: jwt });
  assert.equal(whoami.code, 1);
  assertNoSecret(whoami.stdout + whoami.stderr, ['Cl1entSecret', 'Qu3rySecret']);
});

test('`liveprobe attach` prints the broker it uses without the agent token', { timeout: 60_000 }, async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const secret = new URL(cp.mqttUrl).password;
  assert.match(secret, /^lpt_/);
  const service = await plainNodeService(t);
  const sidecar = await attachCli(t, ['--pid', String(service.child.pid), '--tag', 'attached', '--agent-id', 'sidecar-1'], cp);
  await sidecar.child.waitForLine((line) => line.startsWith('agent sidecar-1, tags attached, broker '), 15_000, 'the attach banner');
  assert.match(sidecar.child.output(), /broker mqtt:\/\/test-agents:\*\*\*@127\.0\.0\.1:\d+\/?$/m);
  assert.match(sidecar.child.output(), /\[liveprobe\] connected to mqtt:\/\/test-agents:\*\*\*@/);
  assert.equal(await sidecar.detach(), 0);
  assertNoSecret(sidecar.child.output(), [secret]);
});
