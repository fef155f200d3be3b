/**
 * LIVEPROBE_WORKER_NICE: how far below the app's main thread the agent's worker thread runs in
 * Linux's scheduler. An install's work on the worker (V8 parsing and compiling its install path,
 * the desired-state check, their garbage collection: 100–400 M instructions) otherwise competes
 * for a core with the app's thread, which then waits on the run queue; that wait, not the app's
 * own work, is what the first install with the session open from start-up still delays the event
 * loop by on a busy machine. Off by default: on this project's 2-core machine, quiet or beside one
 * busy process, 10 steps left the first install's delay where it was (docs/BENCHMARKS.md, install
 * stall), while a worker held back could export less when the app saturates its core.
 */
import { AgentConfigError } from './config-error.js';

/** Linux's lowest priority: a thread's nice value goes from -20 to 19. */
export const MAX_NICE = 19;

/**
 * Nice steps added to the worker's thread (0–19, unset 0; the result is capped at 19). Lowering a
 * thread's priority needs no privilege; raising it back does, so it is set once.
 */
export function workerNice(env: NodeJS.ProcessEnv): number {
  const text = env.LIVEPROBE_WORKER_NICE?.trim() || '0';
  const value = Number(text);
  if (/^\d+$/.test(text) && value <= MAX_NICE) return value;
  throw new AgentConfigError(
    `LIVEPROBE_WORKER_NICE: "${text}" is not a whole number from 0 to ${MAX_NICE} (the nice steps the agent's worker thread runs below the app's)`,
  );
}
