/**
 * `npm start` (`liveprobe up --demo`) prints commands to try: each is run here, in order, as a
 * user would paste it into a shell from the repository root, and gives what the banner
 * promises — the token works, the log action installs, the checkout answers, and the tail
 * shows the action's line for that checkout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Child } from '@liveprobe/harness';
import { startControlPlane, waitFor } from '../helpers/index.js';

const WAIT = 30_000;

/** Runs one pasted line in bash, with the variables earlier `export` lines set. */
function shell(line: string, env: Record<string, string>): Child {
  // `exec`, so stopping the child stops the command itself, not only the shell around it.
  return new Child('bash', ['-c', `exec ${line}`], { name: line.slice(0, 40), env });
}

test('every command the demo banner suggests works, in order, and gives the promised result', async (t) => {
  const cp = await startControlPlane({ auth: true, args: ['--demo', '--demo-port', '0'] });
  t.after(() => cp.stop());
  const output = cp.output();
  assert.match(output, /^admin token +the demo prints a new one below on every start/m, 'the token line fits a first start');
  assert.doesNotMatch(output, /made on the first start/);
  const banner = /^try:\n((?: {2}.+\n)+)/m.exec(output)?.[1];
  assert.ok(banner, `no commands to try in:\n${output}`);
  const commands = banner
    .trimEnd()
    .split('\n')
    .map((line) => line.slice(2));
  assert.match(commands[0]!, /^export LIVEPROBE_TOKEN=lpt_\S+$/);
  for (const command of commands.filter((c) => /\bliveprobe\b/.test(c) && !c.startsWith('export'))) {
    assert.match(command, /^npx liveprobe /, 'liveprobe is run as in the README');
  }

  const env: Record<string, string> = {};
  let tail: Child | undefined;
  t.after(() => tail?.stop());
  let actionId: string | undefined;
  let orderId: number | undefined;
  for (const command of commands) {
    const exported = /^export (\w+)=(\S+)$/.exec(command);
    if (exported !== null) {
      env[exported[1]!] = exported[2]!;
      continue;
    }
    if (/^npx liveprobe tail\b/.test(command)) {
      // What npx runs here, started directly: npx would leave it running when the test stops it.
      tail = shell(command.replace(/^npx liveprobe/, 'node_modules/.bin/liveprobe'), env);
      await tail.waitForLine((text) => text.startsWith('tailing '), WAIT, 'the tail running');
      continue;
    }
    const run = shell(command, env);
    const status = await run.exited;
    await run.closed;
    assert.equal(status.code, 0, `${command}\n${run.output()}`);
    if (/^npx liveprobe log add /.test(command)) {
      actionId = /created (act_\w+)/.exec(run.output())?.[1];
      assert.ok(actionId, run.output());
      assert.match(run.output(), /: installed at \S+server\.ts:\d+/, 'the shop’s agent installed it');
    }
    if (command.startsWith('curl ')) orderId = (JSON.parse(run.output()) as { id: number }).id;
  }
  assert.ok(tail, 'the banner suggests `npx liveprobe tail`');
  assert.ok(orderId !== undefined, 'the checkout answered with an order');
  // The tail shows the action installed, then its line for the checkout just made (the demo user u1 and the amount paid).
  await tail.waitForLine((text) => text.includes(`status ${actionId} on `) && text.includes('installed'), WAIT, 'the install in the tail');
  await tail.waitForLine((text) => new RegExp(`order ${orderId} for u1: \\d`).test(text), WAIT, 'the action’s line in the tail');
});

test('npm start logs the shop’s agent online once, and stops without complaints from the closing broker connection', async (t) => {
  const cp = await startControlPlane({ auth: true, args: ['--demo', '--demo-port', '0'] });
  t.after(() => cp.stop());
  // The agent sends its status again once the shop's files are prepared: that is no second arrival.
  await waitFor(() => /\bagent demo-shop-\w+ prepared [1-9]\d* files/.test(cp.output()), WAIT, 'the prepared files logged');
  await cp.stop();
  const output = cp.output();
  const arrivals = output.match(/\bagent demo-shop-\w+ (online|reconnected)\b/g) ?? [];
  assert.deepEqual(
    arrivals.map((line) => line.replace(/demo-shop-\w+/, 'demo-shop-…')),
    ['agent demo-shop-… online'],
  );
  assert.match(output, /^stopped$/m);
  assert.doesNotMatch(output, /MQTT: /);
});
