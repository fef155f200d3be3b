/**
 * A reader that goes away early (`liveprobe prepare dist | head`, `liveprobe tail | head`)
 * closes the CLI's pipes. The command never dies of it with a stack trace: a build step still
 * writes every prepared file whole, and a command that only prints stops.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtFile } from '@liveprobe/harness';
import { cli, libraryTree, lineOf, readTree, tempDir, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane } from '../agent/fixtures.js';

const NO_SERVER = 'http://127.0.0.1:9';

/** `liveprobe <args>` whose stdout reader (and stderr's, unless kept) goes away before it prints anything. */
function withReadersGone(args: string[], env: Record<string, string> = {}, keepStderr = false) {
  const child = spawn(process.execPath, [builtFile('cli/dist/main.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  if (!keepStderr) child.stderr.destroy();
  return { child, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}

test('prepare whose output nobody reads any more still prepares every file whole, and succeeds', async (t) => {
  const dir = await tempDir('liveprobe-closed-output-');
  t.after(() => dir.remove());
  const input = join(dir.path, 'in');
  libraryTree(input);
  const read = join(dir.path, 'read');
  const first = await cli(['prepare', input, '--out', read], { server: NO_SERVER });
  assert.equal(first.code, 0, first.stderr);

  const unread = join(dir.path, 'unread');
  const { exited } = withReadersGone(['prepare', input, '--out', unread]);
  const [code, signal] = await exited;
  assert.deepEqual([code, signal], [0, null]);
  const expected = readTree(read);
  assert.ok(Object.keys(expected).length > 20, 'a tree of many files');
  assert.deepEqual(readTree(unread), expected);
});

test('tail stops when the reader of its output goes away, without an error', async (t) => {
  const cp = await controlPlane(t);
  await app(t, { broker: cp.mqttUrl, tags: ['closed-output'] });
  const { child, exited } = withReadersGone(['tail'], { LIVEPROBE_SERVER: cp.url }, true);
  t.after(() => child.kill('SIGKILL'));
  let notices = '';
  child.stderr.on('data', (chunk: Buffer) => {
    notices += chunk.toString();
  });
  await waitFor(async () => notices.includes('tailing '), 10_000, 'tail to follow the events');
  // Something to print: the action's status, once the agent installs it.
  const file = 'examples/shop/src/server.ts';
  await addAction(cp, { type: 'counter', file, line: lineOf(file, 'checkout-return'), name: 'closed.output', tags: ['closed-output'] });
  await waitFor(async () => child.exitCode !== null, 20_000, 'tail to stop');
  const [code, signal] = await exited;
  assert.deepEqual([code, signal], [0, null]);
});
