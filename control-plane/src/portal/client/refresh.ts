// Browser module: keeps a page's data current by polling while the tab is visible.
import { ApiError } from './api.js';
import { clockTime } from './time.js';

/** Runs `load` now and every `intervalMs`, reporting the outcome in the element with id `refresh-state`. */
export function keepFresh(load: () => Promise<void>, intervalMs: number): () => Promise<void> {
  const state = document.getElementById('refresh-state');
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => {
    running ??= load()
      .then(() => {
        if (state !== null) {
          state.className = 'state live';
          state.textContent = `updated ${clockTime(new Date().toISOString())}`;
        }
      })
      .catch((err: unknown) => {
        if (state !== null) {
          state.className = 'state down';
          state.textContent = err instanceof ApiError ? err.message : `could not load: ${String(err)}`;
        }
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  void run();
  setInterval(() => {
    if (!document.hidden) void run();
  }, intervalMs);
  return run;
}
