/**
 * The worker's heap released once the hits of a burst have settled
 * (agent/src/worker/quiet-heap-release.ts): 5 s after the main thread's last message and after
 * any other release, once per quiet period, only when the heap grew; and, in a real process,
 * that release gives back the young generation a burst grew where the process has `gc`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mock, test, type TestContext } from 'node:test';
import { QuietHeapRelease, type WorkerHeap } from '../../../agent/src/worker/quiet-heap-release.js';

/** A heap whose last release was `sinceRelease` ms ago at the start, and that `grown` says grew. */
function fakeHeap(state: { grown: boolean; releasedAt: number }): WorkerHeap & { releases: number } {
  const heap = {
    releases: 0,
    sinceRelease: () => Date.now() - state.releasedAt,
    grown: () => state.grown,
    release() {
      heap.releases++;
      state.releasedAt = Date.now();
      state.grown = false;
    },
  };
  return heap;
}

/** Mock timers (from t = 100 s, reset after the test) and a release watching a fake heap in `state`. */
function quietRelease(t: TestContext, state: { grown: boolean; releasedAt: number }) {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 100_000 });
  t.after(() => mock.timers.reset());
  const heap = fakeHeap(state);
  return { heap, quiet: new QuietHeapRelease(heap) };
}

test('released once 5 s pass without a message; each message pushes it back; once per quiet period', (t) => {
  const state = { grown: true, releasedAt: Number.NEGATIVE_INFINITY };
  const { heap, quiet } = quietRelease(t, state);
  quiet.activity();
  mock.timers.tick(4000);
  quiet.activity();
  mock.timers.tick(4000);
  assert.equal(heap.releases, 0, 'hits 4 s apart: still the burst');
  mock.timers.tick(1000);
  assert.equal(heap.releases, 1, '5 s after the last message');
  state.grown = true;
  mock.timers.tick(60_000);
  assert.equal(heap.releases, 1, 'no message since: no second release');
  quiet.activity();
  mock.timers.tick(5000);
  assert.equal(heap.releases, 2, 'the next burst has its own');
});

test('not released when the heap did not grow since the last release', (t) => {
  const { heap, quiet } = quietRelease(t, { grown: false, releasedAt: Number.NEGATIVE_INFINITY });
  quiet.activity();
  mock.timers.tick(10_000);
  assert.equal(heap.releases, 0);
});

test("another release during the quiet period (an install burst's) moves it to 5 s after that one", (t) => {
  const state = { grown: true, releasedAt: Number.NEGATIVE_INFINITY };
  const { heap, quiet } = quietRelease(t, state);
  quiet.activity();
  mock.timers.tick(3000);
  // The install burst's release, while the hits' records are still being exported.
  state.releasedAt = Date.now();
  state.grown = true;
  mock.timers.tick(2000);
  assert.equal(heap.releases, 0, '2 s after the other release: not quiet yet');
  mock.timers.tick(3000);
  assert.equal(heap.releases, 1, '5 s after it');
});

test('the young generation a burst grew is given back once quiet, in an app started with --expose-gc', () => {
  const module = new URL('../../../agent/src/worker/quiet-heap-release.ts', import.meta.url).href;
  const script = [
    "import { getHeapSpaceStatistics } from 'node:v8';",
    `import { QuietHeapRelease } from ${JSON.stringify(module)};`,
    "const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').physical_space_size;",
    // Many survivors at once: V8 grows the young generation to its cap, as the hits do the worker's.
    'let keep = [];',
    "for (let i = 0; i < 300000; i++) { keep.push({ i, text: 'x' + i }); if (keep.length > 20000) keep = []; }",
    'keep = null;',
    'const grown = young();',
    'new QuietHeapRelease().activity();',
    // The release's timer is unref'd, as in the agent: this one keeps the process alive past it.
    'setTimeout(() => console.log(JSON.stringify({ grown, after: young() })), 6500);',
  ].join('\n');
  // Semi-spaces capped at 2 MiB, near the agent's worker (main/worker-thread.ts: a 4 MiB young
  // generation). Without --expose-gc the agent has no `gc` to call (worker/heap-release.ts).
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', '--max-semi-space-size=2', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(child.status, 0, child.stderr);
  const { grown, after } = JSON.parse(child.stdout) as { grown: number; after: number };
  assert.ok(grown > 1024 * 1024, `the burst grew the young generation (${grown} bytes)`);
  assert.ok(after <= 1024 * 1024, `from ${grown} to ${after} bytes`);
});
