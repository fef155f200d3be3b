/**
 * The agent's worker thread: whether it starts with the app, and how it is started (its bundle,
 * its environment, its young generation). main/agent-main.ts starts it at once or, through the
 * app thread's broker link, when the first action arrives.
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import type { WorkerData } from '../bridge.js';
import { inspectorSessionMode } from '../settings/inspector-session-mode.js';
import { workerStart } from '../settings/worker-start.js';
import { wantPlacements } from '../prepare/late-copy-gate.js';

/**
 * Whether the worker must run from the start: asked for (LIVEPROBE_WORKER_START=startup), or
 * needed before any action: the inspector session opened at start-up, every prepared site
 * firing (LIVEPROBE_PREPARE_FLAGS=all, whose hits need the worker).
 */
export function workerAtStartup(env: NodeJS.ProcessEnv): boolean {
  return workerStart(env) === 'startup' || inspectorSessionMode(env) === 'startup' || env.LIVEPROBE_PREPARE_FLAGS === 'all';
}

/** worker/worker.ts (or, with LIVEPROBE_INSPECTOR_SESSION=startup, worker/startup-entry.ts), bundled. */
export function startWorker(data: WorkerData, env: NodeJS.ProcessEnv, transferList: MessagePort[]): void {
  // Bundled into one file by agent/scripts/bundle-agent.mjs: a fraction of the memory.
  const entry = data.sessionReady === undefined ? '../worker-bundle/agent-worker.js' : '../worker-bundle/agent-worker-startup.js';
  const worker = new Worker(new URL(entry, import.meta.url), {
    workerData: data,
    transferList,
    // The app's own flags (loaders, --import of this agent) are not for the agent's thread.
    execArgv: [],
    env,
    name: 'liveprobe-agent',
    // V8 sizes a new isolate's young generation for an app; the agent's allocations are small
    // and short-lived, and the default semi-spaces alone cost every process ~8 MiB of RSS.
    // Under 2 GiB of old generation V8 runs the thread's code against the node binary's own copy
    // of its builtins instead of remapping a copy of them next to the thread's code: ~1 MiB of
    // RSS the worker's calls into builtins no longer touch (docs/decisions.md, "The worker's heap limits").
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB },
  });
  worker.on('error', (err) => {
    process.stderr.write(`[liveprobe] the agent stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  });
  // Gone, it places nothing: a prepared file binding from now on must not wait for it.
  worker.on('exit', () => wantPlacements(data.copyGate, false));
  // The agent must never keep the app alive.
  worker.unref();
}

/** Measured in docs/BENCHMARKS.md (agent memory): the RSS it saves against the throughput it keeps. */
const WORKER_YOUNG_GENERATION_MB = 4;
/**
 * Just under V8's threshold for short builtin calls (2 GiB of old generation), and as much as a
 * machine with 8 GiB of memory gives a thread by default: the worker's heap holds ~10 MiB with
 * 100 actions; a scope analysis holds ~150 times its script's size while actions install.
 */
const WORKER_OLD_GENERATION_MB = 2047;
