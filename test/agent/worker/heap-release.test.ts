// The worker's heap release after a burst of installs (worker/heap-release.ts): it collects the
// garbage the installs left where the app exposes `gc`, and leaves the app as it was: it never
// turns V8's flags on or off under the app's running thread, no `gc` appears in a context the app
// creates later, and an app started with --expose-gc keeps its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { releaseHeap } from '../../../agent/src/worker/heap-release.js';

const MODULE = new URL('../../../agent/src/worker/heap-release.ts', import.meta.url).href;
/** As the agent runs it (the fixture's worker thread loads no TypeScript). */
const BUILT = new URL('../../../agent/dist/worker/heap-release.js', import.meta.url);

/** `lines` run after importing the release, in a process of its own started with `flags`: its stdout and stderr. */
function withRelease(flags: string[], lines: string[]): { stdout: string; stderr: string } {
  const script = [`import { releaseHeap } from ${JSON.stringify(MODULE)};`, ...lines].join('\n');
  const child = spawnSync(process.execPath, ['--import', 'tsx', ...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return { stdout: child.stdout, stderr: child.stderr };
}

test('the garbage a burst of installs left is collected in an app started with --expose-gc', () => {
  const { stdout } = withRelease(
    ['--expose-gc'],
    [
      "import { setImmediate as nextTurn } from 'node:timers/promises';",
      "const ref = new WeakRef({ payload: new Array(10_000).fill('garbage') });",
      'await nextTurn();',
      'releaseHeap();',
      'await nextTurn();',
      'console.log(ref.deref() === undefined);',
    ],
  );
  assert.equal(stdout.trim(), 'true');
});

test("releases over and over on the agent's thread leave an app that compiles, allocates and holds breakpoints running", () => {
  // With V8's flags turned on and off for each release, this app crashed (SIGSEGV in its own
  // isolate's marking) in two of three 20 s runs on Node 20.
  const fixture = fileURLToPath(new URL('./busy-app-releases.mjs', import.meta.url));
  const child = spawnSync(process.execPath, ['--expose-gc', fixture, '20', fileURLToPath(BUILT)], { encoding: 'utf8' });
  assert.equal(child.signal, null, `the app died of ${child.signal}`);
  assert.equal(child.status, 0, child.stderr);
  assert.ok(JSON.parse(child.stdout).rounds > 0, child.stdout);
});

test('no context the app creates afterwards gets a gc function', () => {
  releaseHeap();
  assert.equal(runInNewContext('typeof gc'), 'undefined');
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
});

/** The release in a process of its own, started with `flags`: what the app sees after it. */
function afterRelease(flags: string[]): { same: boolean; later: string; stderr: string } {
  const { stdout, stderr } = withRelease(flags, [
    "import { runInNewContext } from 'node:vm';",
    'const own = globalThis.gc;',
    'releaseHeap();',
    "console.log(JSON.stringify({ same: globalThis.gc === own, later: runInNewContext('typeof gc') }));",
  ]);
  return { ...JSON.parse(stdout), stderr };
}

test('an app started with --expose-gc keeps its gc, in its contexts and in new ones', () => {
  assert.deepEqual(afterRelease(['--expose-gc']), { same: true, later: 'function', stderr: '' });
});

test("the release says nothing on the app's stderr and gives it no gc", () => {
  assert.deepEqual(afterRelease([]), { same: true, later: 'undefined', stderr: '' });
});
