/**
 * LIVEPROBE_WORKER_START: when the agent's worker thread starts. The trade-off is measured in
 * docs/BENCHMARKS.md (agent memory) and chosen in docs/decisions.md.
 */
import { AgentConfigError } from './config-error.js';

/**
 * `first-action`: the app's main thread holds the broker link (status, heartbeats, the desired
 * state) until an action targets this process, then the worker starts and takes the link over:
 * an idle agent has no thread of its own. `startup`: the worker starts with the app; the first
 * install skips the worker's start-up.
 */
export type WorkerStart = 'first-action' | 'startup';

export function workerStart(env: NodeJS.ProcessEnv): WorkerStart {
  const value = env.LIVEPROBE_WORKER_START?.trim() || 'first-action';
  if (value === 'first-action' || value === 'startup') return value;
  throw new AgentConfigError(`LIVEPROBE_WORKER_START: "${value}" is not one of first-action, startup`);
}
