/**
 * PreparedSites without a process: files announced over a real MessageChannel as the main
 * thread announces them, plans in each of their three kinds, and installs that arm the hook
 * and switch the shared flags. Each test runs in milliseconds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Action } from '@liveprobe/protocol';
import type { ToMain } from '../../../../agent/src/bridge.js';
import { Blocklist } from '../../../../agent/src/locate/blocklist.js';
import type { PreparedFileLoaded, PreparedFlags } from '../../../../agent/src/prepare/prepared-messages.js';
import { AnalysisCache } from '../../../../agent/src/worker/analysis-cache.js';
import { PreparedSites } from '../../../../agent/src/worker/prepared/prepared-sites.js';
import { testAction } from '../fake-target.js';

const SOURCE = ['function work(n) {', '  const squared = n * n;', '  return squared + 1;', '}', '', 'module.exports = { work };', ''].join(
  '\n',
);
const OPEN = new Blocklist({ files: [], functions: [], variables: [] });

function action(fields: Record<string, unknown>): Action {
  return testAction('a1', { file: 'work.cjs', ...fields });
}

/** A prepared file with sites on lines 2 and 3 (inside function 0), announced as the main thread does. */
function setup(t: TestContext, source = SOURCE, list = [2, 2, 0, 3, 2, 0]) {
  const dir = mkdtempSync(join(tmpdir(), 'prepared-sites-'));
  const path = join(dir, 'work.cjs');
  writeFileSync(path, source);
  const channel = new MessageChannel();
  t.after(() => {
    channel.port1.close();
    channel.port2.close();
  });
  const sites = new PreparedSites(channel.port1, new AnalysisCache());
  const F = new Uint8Array(new SharedArrayBuffer(1));
  const S = new Uint8Array(new SharedArrayBuffer(list.length / 3));
  const K = new Int32Array(new SharedArrayBuffer((list.length / 3) * 4));
  const file: PreparedFileLoaded = { t: 'file', file: 0, path, sites: list, F, S, K };
  return { sites, worker: channel.port1, main: channel.port2, file, path, F, S };
}

/** What reached the main thread's end of the channel, in order. */
function received(port: MessagePort): PreparedFlags[] {
  const out: PreparedFlags[] = [];
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) out.push(m.message as PreparedFlags);
  return out;
}

test('before its file is announced an action is not-prepared; after, a line with a site plans it, a line without says why', async (t) => {
  const { sites, worker, main, file, path } = setup(t);
  assert.deepEqual(await sites.plan(action({})), { kind: 'not-prepared' });
  let heard = 0;
  sites.onFile(() => heard++);
  const others: unknown[] = [];
  worker.on('message', (message: { t: string }) => message.t !== 'file' && others.push(message));
  main.postMessage(file);
  main.postMessage({ t: 'outcome', path, kind: 'prepared', ms: 1, bytes: 10 });
  // Taken off the port synchronously (as while the app is paused before a script), the file is
  // known at once; the outcome is handed on to whoever listens for it.
  sites.drainFiles();
  assert.equal(heard, 1);
  assert.deepEqual(others, [{ t: 'outcome', path, kind: 'prepared', ms: 1, bytes: 10 }]);

  const onSite = await sites.plan(action({}));
  assert.equal(onSite.kind, 'sites');
  assert.deepEqual(onSite.kind === 'sites' ? onSite.sites.map((s) => [s.path, s.site.line, s.site.column]) : [], [[path, 2, 2]]);
  assert.deepEqual(await sites.plan(action({ line: 6 })), { kind: 'unprepared', reason: `line 6 of ${path} has no prepared site` });
  assert.deepEqual(await sites.plan(action({ file: 'other.cjs' })), { kind: 'not-prepared' });
});

test('a tic-toc goes on prepared sites only when both its lines have one; otherwise the status says which part is missing', async (t) => {
  const { sites, main, file, path } = setup(t);
  main.postMessage(file);
  sites.drainFiles();
  const tictoc = (toc: Record<string, unknown>) => action({ type: 'tictoc', name: 'work.time', attributes: {}, toc });
  const both = await sites.plan(tictoc({ line: 3 }));
  assert.deepEqual(both.kind === 'sites' ? both.sites.map((s) => s.role?.role) : both, ['tic', 'toc']);
  assert.deepEqual(await sites.plan(tictoc({ line: 4 })), {
    kind: 'unprepared',
    reason: `the toc: line 4 of ${path} has no prepared site`,
  });
  assert.deepEqual(await sites.plan(tictoc({ file: 'other.cjs', line: 1 })), {
    kind: 'unprepared',
    reason: 'the toc: other.cjs is not a prepared file',
  });
});

test('installing arms the hook first, then switches the site and its function on; switching off is left to the main thread', async (t) => {
  const { sites, main, file, path, F, S } = setup(t);
  main.postMessage(file);
  sites.drainFiles();
  const plan = await sites.plan(action({}));
  assert.equal(plan.kind, 'sites');
  if (plan.kind !== 'sites') return;
  const posted: ToMain[] = [];
  let placedAt: unknown;
  const placement = await sites.install(action({}), plan, {
    blocklist: OPEN,
    post: (message) => posted.push(message),
    key: (index) => 10 + index,
    installed: (placed) => (placedAt = placed),
  });
  assert.deepEqual(
    posted.map((m) => m.t === 'arm' && [m.key, m.actionId, m.functionName, m.line]),
    [[10, 'a1', 'work', 2]],
  );
  assert.deepEqual(placedAt, [{ file: path, line: 2, functionName: 'work' }]);
  assert.deepEqual([S[0], S[1], F[0]], [1, 0, 1]);
  assert.deepEqual(received(main), [{ t: 'flags', file: 0, key: 10, roots: ['n'], sites: [0], on: true }]);

  sites.set(placement, false);
  assert.deepEqual(received(main), [{ t: 'flags', file: 0, key: 10, roots: ['n'], sites: [0], on: false }]);
  assert.equal(S[0], 1, 'the main thread knows whether another action still uses the site; the worker leaves the flag');
});

test('the blocklist is asked before anything is armed', async (t) => {
  const { sites, main, file } = setup(t);
  main.postMessage(file);
  sites.drainFiles();
  const plan = await sites.plan(action({}));
  if (plan.kind !== 'sites') assert.fail('planned on sites');
  const posted: ToMain[] = [];
  await assert.rejects(
    sites.install(action({}), plan, {
      blocklist: new Blocklist({ files: [], functions: [], variables: ['n'] }),
      post: (message) => posted.push(message),
      key: (index) => index,
      installed: () => assert.fail('not installed'),
    }),
    { name: 'BlockedByAgentError' },
  );
  assert.deepEqual(posted, []);
  assert.deepEqual(received(main), []);
});

test('a duration whose function returns a computed value, in a file prepared before exit sites after a value, says how to get them', async (t) => {
  const { sites, main, file } = setup(t);
  // Sites before lines 2 and 3 only: `liveprobe prepare` of an older liveprobe put none after `squared + 1`.
  main.postMessage(file);
  sites.drainFiles();
  const plan = await sites.plan(action({ type: 'duration', name: 'work.seconds', attributes: {}, line: 2 }));
  assert.equal(plan.kind, 'unprepared');
  // Before: `… (before TRANSFORM_VERSION 14): prepare it again`, a constant of the agent's source the user has no way to see.
  assert.match(
    plan.kind === 'unprepared' ? plan.reason : '',
    /^line 3 returns a computed value, and its file was prepared by an older liveprobe, which put no site after a returned value: run `liveprobe prepare` on it again to time it on sites$/,
  );
});

test("a duration on a function whose `return` spans lines finds its exit on the return's last line (since forof22), or in its keyword in a file prepared before", async (t) => {
  const source = [
    'function work(n) {',
    '  const squared = n * n;',
    '  return squared +',
    '    1;',
    '}',
    '',
    'module.exports = { work };',
    '',
  ].join('\n');
  // The entry before line 2, the return's own site on line 3, and its exit: at the `;` on line 4, or (older) one column into `return`.
  for (const [layout, exit] of [
    ['current', [4, 5]],
    ['before forof22', [3, 3]],
  ] as const) {
    const { sites, main, file } = setup(t, source, [2, 2, 0, 3, 2, 0, ...exit, 0]);
    main.postMessage(file);
    sites.drainFiles();
    const plan = await sites.plan(action({ type: 'duration', name: 'work.seconds', attributes: {}, line: 2 }));
    assert.equal(plan.kind, 'sites', `${layout}: ${plan.kind === 'unprepared' ? plan.reason : plan.kind}`);
    assert.deepEqual(plan.kind === 'sites' ? plan.sites.map((s) => [s.site.line, s.site.column]) : [], [[2, 2], exit], layout);
  }
});
