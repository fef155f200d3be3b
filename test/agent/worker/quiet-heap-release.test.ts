/**
 * The worker's heap released once the hits of a burst have settled
 * (agent/src/worker/quiet-heap-release.ts): 5 s after the main thread's last message and after
 * any other release, once per quiet period, only when the heap grew, followed by up to two
 * collections of the young generation alone while it left that grown; and, in a real process, that release gives back the
 * young generation a burst grew where the process has `gc`, also when the thread went on
 * allocating until the release (Node 20's `gc()` then keeps it at its cap).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mock, test, type TestContext } from 'node:test';
import { QuietHeapRelease, type WorkerHeap } from '../../../agent/src/worker/quiet-heap-release.js';

/**
 * A heap whose last release was at `releasedAt` at the start, and that `grown` says grew; the
 * first `stuck` collections (full or of the young generation) leave its young generation grown, as
 * Node 20's `gc()` does while the thread still allocates.
 */
function fakeHeap(state: { grown: boolean; releasedAt: number; stuck?: number }): WorkerHeap & { releases: number; young: number } {
  const collected = () => {
    state.grown = heap.releases + heap.young <= (state.stuck ?? 0);
  };
  const heap = {
    releases: 0,
    young: 0,
    sinceRelease: () => Date.now() - state.releasedAt,
    grown: () => state.grown,
    youngGrown: () => state.grown,
    release() {
      heap.releases++;
      state.releasedAt = Date.now();
      collected();
    },
    releaseYoung() {
      heap.young++;
      collected();
    },
  };
  return heap;
}

/** Mock timers (from t = 100 s, reset after the test) and a release watching a fake heap in `state`. */
function quietRelease(t: TestContext, state: { grown: boolean; releasedAt: number; stuck?: number }) {
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

test('a release that left the young generation grown is followed 5 s later by a collection of the young generation, twice at most', (t) => {
  const state = { grown: true, releasedAt: Number.NEGATIVE_INFINITY, stuck: 1 };
  const { heap, quiet } = quietRelease(t, state);
  quiet.activity();
  mock.timers.tick(5000);
  assert.deepEqual([heap.releases, heap.young], [1, 0], '5 s after the last message');
  mock.timers.tick(4999);
  assert.equal(heap.young, 0);
  mock.timers.tick(1);
  assert.deepEqual([heap.releases, heap.young], [1, 1], 'the young generation 5 s later: the release left it grown');
  // One tick per timer: a timer set while a tick runs waits for the next tick.
  for (let k = 0; k < 4; k++) mock.timers.tick(5000);
  assert.deepEqual([heap.releases, heap.young], [1, 1], 'it gave it back: no more');

  state.grown = true;
  state.stuck = Number.POSITIVE_INFINITY;
  quiet.activity();
  for (let k = 0; k < 12; k++) mock.timers.tick(5000);
  assert.deepEqual([heap.releases, heap.young], [2, 3], 'a young generation that never shrinks: one release and two more tries, then none');
  quiet.activity();
  mock.timers.tick(5000);
  assert.deepEqual([heap.releases, heap.young], [3, 3], 'a message ends the tries; the next quiet period has its own release');
  mock.timers.tick(5000);
  assert.deepEqual([heap.releases, heap.young], [3, 4], 'and its own tries');
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

/**
 * In a child process started with --expose-gc: a burst that grows the young generation, then the
 * main thread's last message, then `allocating` ms of the thread's own work (as the worker exports
 * a burst's records after the hits), each turn allocating ~64 KiB; the young generation's resident
 * size read `readAfterMs` after the message.
 */
function youngAfterBurst(allocating: number, readAfterMs: number): { grown: number; after: number } {
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
    `const until = Date.now() + ${allocating};`,
    'let sink;',
    "const work = () => { if (Date.now() >= until) return; sink = Array.from({ length: 2000 }, (_, i) => ({ i, text: 'y' + i })); setTimeout(work, 10); };",
    'work();',
    // The release's timer is unref'd, as in the agent: this one keeps the process alive past it.
    `setTimeout(() => console.log(JSON.stringify({ grown, after: young() })), ${readAfterMs});`,
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
  return JSON.parse(child.stdout) as { grown: number; after: number };
}

test('the young generation a burst grew is given back once quiet, in an app started with --expose-gc', () => {
  const { grown, after } = youngAfterBurst(0, 6500);
  assert.ok(grown > 1024 * 1024, `the burst grew the young generation (${grown} bytes)`);
  assert.ok(after <= 1024 * 1024, `from ${grown} to ${after} bytes`);
});

test('given back also when the thread allocated until the release (on Node 20, by the young generation collected later)', () => {
  const { grown, after } = youngAfterBurst(4800, 11_500);
  assert.ok(grown > 1024 * 1024, `the burst grew the young generation (${grown} bytes)`);
  assert.ok(after <= 1024 * 1024, `from ${grown} to ${after} bytes`);
});
