/**
 * A bundler puts one module into several scripts (Next.js: into each page's bundle, loaded on the
 * first request to the page). An action on prepared sites in such a module takes each copy as its
 * prepared file binds, in the worker; a copy's first run (the request that loaded it) comes right
 * after the binding, before the worker has heard of the file. So while such an action is on,
 * the binding waits, in the app's thread, for the worker to have placed what the new file holds:
 * the flags are then on when its body runs. No inspector session is needed (the prepared path
 * never opens one): only this memory shared by the two threads.
 *
 * Slot WANTED: non-zero while an action on prepared sites may have copies still to load (the
 * worker sets it). Slot SETTLED: how many of the main thread's prepared files (by index) the
 * worker has placed actions in, once their binding was announced.
 */

const WANTED = 0;
const SETTLED = 1;

/** As long as V8's pause before a script may last while the worker is busy (worker/script-start-pause.ts). */
export const LATE_COPY_HOLD_MS = 2000;

// Captured before the app runs, which may replace these globals.
const { load, store, wait, notify } = Atomics;
const { now } = performance;
const clock = performance;

export function lateCopyGate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

/**
 * Main thread, as prepared file `file` binds (its announcement posted): while the worker wants it,
 * holds the app until the worker has placed what that file holds, at most LATE_COPY_HOLD_MS.
 * One atomic read when no action waits for copies.
 */
export function awaitPlacement(gate: Int32Array, file: number): void {
  if (load(gate, WANTED) === 0) return;
  const until = now.call(clock) + LATE_COPY_HOLD_MS;
  for (let settled = load(gate, SETTLED); settled <= file; settled = load(gate, SETTLED)) {
    const left = until - now.call(clock);
    if (left <= 0) return;
    wait(gate, SETTLED, settled, left);
  }
}

/** Worker: whether an action on prepared sites may take copies that load later. */
export function wantPlacements(gate: Int32Array, on: boolean): void {
  store(gate, WANTED, on ? 1 : 0);
}

/** Worker: every action that can go into prepared file `file` (and those before it) is placed there. */
export function filePlaced(gate: Int32Array, file: number): void {
  if (load(gate, SETTLED) > file) return;
  store(gate, SETTLED, file + 1);
  notify(gate, SETTLED);
}
