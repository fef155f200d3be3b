/**
 * LIVEPROBE_INSPECTOR_SESSION: when the agent's inspector session opens. Read by the main
 * thread (whether to wait for the session before the app's modules load) and by the worker.
 * The trade-off is measured in docs/BENCHMARKS.md (install stall).
 */
import { AgentConfigError } from './config-error.js';

/**
 * `on-demand`: opened by the first action that needs a breakpoint, closed with the last one;
 * opening it pauses the main thread while V8 reports every loaded script.
 * `startup`: opened before the app's first module loads and kept open: no pause at install, but
 * V8's debugger stays on (every `await` and `throw` slower, each loaded script reported).
 */
export type InspectorSessionMode = 'on-demand' | 'startup';

export function inspectorSessionMode(env: NodeJS.ProcessEnv): InspectorSessionMode {
  const value = env.LIVEPROBE_INSPECTOR_SESSION?.trim() || 'on-demand';
  if (value === 'on-demand' || value === 'startup') return value;
  throw new AgentConfigError(`LIVEPROBE_INSPECTOR_SESSION: "${value}" is not one of on-demand, startup`);
}
