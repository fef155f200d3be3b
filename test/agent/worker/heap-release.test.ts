// The worker's heap release after a burst of installs (worker/heap-release.ts): it collects the
// garbage the installs left, and leaves the app as it was: no `gc` appears in a context the app
// creates later, and an app started with --expose-gc keeps its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { getHeapCodeStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { releaseHeap } from '../../../agent/src/worker/heap-release.js';

/** An object only a WeakRef points to, made in an earlier turn (a WeakRef keeps its target for the turn it was read in). */
async function unreachable(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: new Array(10_000).fill('garbage') });
  await nextTurn();
  return ref;
}

test('the garbage a burst of installs left is collected', async () => {
  const ref = await unreachable();
  releaseHeap();
  await nextTurn();
  assert.equal(ref.deref(), undefined);
});

test('the bytecode of functions that ran once and are not running is dropped', () => {
  // A function with a lot of bytecode, run once, as the install path runs its parser.
  const body = Array.from({ length: 3000 }, (_, k) => `s += ${k} * x;`).join('\n');
  const once = new Function('x', `let s = 0;\n${body}\nreturn s;`) as (x: number) => number;
  assert.equal(once(2), 2999 * 3000);
  const before = getHeapCodeStatistics().bytecode_and_metadata_size;
  releaseHeap();
  const after = getHeapCodeStatistics().bytecode_and_metadata_size;
  // Its bytecode alone is tens of KiB; everything else not running went with it.
  assert.ok(before - after > 64 * 1024, `bytecode and metadata went from ${before} to ${after} bytes`);
  // It runs as before, compiled again.
  assert.equal(once(2), 2999 * 3000);
});

test('no context the app creates afterwards gets a gc function', () => {
  releaseHeap();
  assert.equal(runInNewContext('typeof gc'), 'undefined');
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
});

/** The release in a process of its own, started with `flags`: what the app sees after it. */
function afterRelease(flags: string[]): { same: boolean; later: string; stderr: string } {
  const module = new URL('../../../agent/src/worker/heap-release.ts', import.meta.url).href;
  const script = [
    `import { releaseHeap } from ${JSON.stringify(module)};`,
    "import { runInNewContext } from 'node:vm';",
    'const own = globalThis.gc;',
    'releaseHeap();',
    "console.log(JSON.stringify({ same: globalThis.gc === own, later: runInNewContext('typeof gc') }));",
  ].join('\n');
  const child = spawnSync(process.execPath, ['--import', 'tsx', ...flags, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return { ...JSON.parse(child.stdout), stderr: child.stderr };
}

test('an app started with --expose-gc keeps its gc, in its contexts and in new ones', () => {
  assert.deepEqual(afterRelease(['--expose-gc']), { same: true, later: 'function', stderr: '' });
});

test("V8 takes the flags the release sets without a word on the app's stderr", () => {
  assert.deepEqual(afterRelease([]), { same: true, later: 'undefined', stderr: '' });
});
