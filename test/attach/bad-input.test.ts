import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Child, builtFile } from '@liveprobe/harness';
import { controlPlane } from '../agent/fixtures.js';
import { attachCli, attachFails, inspectorAnswers, plainNodeService, sidecarOffline, TARGET, WAIT } from './fixtures.js';

const INSPECTOR_PORT = 9229;

async function stateOf(url: string): Promise<{ hook: boolean; binding: boolean; inspector: string | null }> {
  return (await (await fetch(`${url}/state`)).json()) as { hook: boolean; binding: boolean; inspector: string | null };
}

test('a pid that is not Node is refused before any signal: SIGUSR1 would have ended it', async (t) => {
  const cp = await controlPlane(t);
  const sleeper = new Child('sleep', ['300'], { name: 'sleep' });
  t.after(() => sleeper.stop('SIGKILL'));
  const { code, output } = await attachFails(['--pid', String(sleeper.pid)], cp);
  assert.equal(code, 1);
  assert.match(output, new RegExp(`error: pid ${sleeper.pid} is not Node\\.js \\(sleep 300\\); SIGUSR1 would end it, so it was not sent`));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(sleeper.status, undefined, 'the process is untouched');

  const gone = await attachFails(['--pid', '999999'], cp);
  assert.equal(gone.code, 1);
  assert.match(gone.output, /error: no process has pid 999999/);
});

test('an inspector port held by another process is refused, and neither process is changed', async (t) => {
  assert.equal(await inspectorAnswers(INSPECTOR_PORT), false, `something already listens on ${INSPECTOR_PORT}`);
  const cp = await controlPlane(t);
  const other = new Child(process.execPath, [`--inspect=127.0.0.1:${INSPECTOR_PORT}`, builtFile(TARGET)], {
    name: 'other inspected process',
  });
  t.after(() => other.stop('SIGKILL'));
  const otherUrl = (await other.waitForLine((text) => text.startsWith('listening on '), WAIT, '`listening on`')).slice(
    'listening on '.length,
  );
  const service = await plainNodeService(t);

  const { code, output } = await attachFails(['--pid', String(service.child.pid)], cp);
  assert.equal(code, 1);
  assert.match(
    output,
    new RegExp(
      `error: 127\\.0\\.0\\.1:${INSPECTOR_PORT} is already used by another inspector \\(pid ${other.pid}\\), so pid ${service.child.pid} cannot open its own there`,
    ),
  );
  assert.deepEqual(await stateOf(service.url), { hook: false, binding: false, inspector: null }, 'the target was not signalled');
  assert.equal((await stateOf(otherUrl)).hook, false, 'nothing was injected into the other process');
});

test('a second attach to the same process is refused and the first keeps working', async (t) => {
  assert.equal(await inspectorAnswers(INSPECTOR_PORT), false, `something already listens on ${INSPECTOR_PORT}`);
  const cp = await controlPlane(t);
  const service = await plainNodeService(t);
  const first = await attachCli(t, ['--pid', String(service.child.pid), '--agent-id', 'first'], cp);
  const second = await attachFails(['--pid', String(service.child.pid), '--agent-id', 'second'], cp);
  assert.equal(second.code, 1);
  assert.match(second.output, /error: another `liveprobe attach` is attached to this target; detach it first/);
  assert.equal((await stateOf(service.url)).hook, true, 'the first sidecar’s hook is still there');
  assert.equal(await first.detach(), 0, first.child.output());
  assert.deepEqual(await stateOf(service.url), { hook: false, binding: false, inspector: null });
});

test('a target that goes away mid-session ends the sidecar with a clear error and takes it out of the fleet', async (t) => {
  assert.equal(await inspectorAnswers(INSPECTOR_PORT), false, `something already listens on ${INSPECTOR_PORT}`);
  const cp = await controlPlane(t);
  const service = await plainNodeService(t);
  const sidecar = await attachCli(t, ['--pid', String(service.child.pid), '--agent-id', 'orphan'], cp);
  await service.child.stop('SIGKILL');
  const status = await Promise.race([sidecar.child.exited, new Promise<undefined>((resolve) => setTimeout(resolve, WAIT))]);
  assert.ok(status !== undefined, `the sidecar kept running; output:\n${sidecar.child.output()}`);
  assert.equal(status.code, 1);
  assert.match(sidecar.child.output(), /error: the target went away \(ws:\/\/127\.0\.0\.1:9229\/[^)]+\); the sidecar stopped/);
  await sidecarOffline(cp, 'orphan');
  assert.equal(await inspectorAnswers(INSPECTOR_PORT), false);
});
