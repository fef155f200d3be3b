/**
 * LIVEPROBE_SPARKPLUG: whether V8's baseline compiler (Sparkplug) stays on. The first breakpoint
 * in a function with baseline code makes V8 discard that code by walking the whole heap, on the
 * app's thread; with the inspector session open from start-up that walk is what an install still
 * stalls the app for, and it grows with the heap. The trade-off is measured in
 * docs/BENCHMARKS.md (install stall) and chosen in docs/decisions.md.
 */
import { AgentConfigError } from './config-error.js';
import type { InspectorSessionMode } from './inspector-session-mode.js';

/**
 * `off`: V8 compiles no baseline code from the agent's start on, so no breakpoint has any to
 * discard; the app's warm code runs in the interpreter until the optimizing tiers take it.
 * `on`: V8's default. Unset: `off` with the session open from start-up, `on` otherwise.
 */
export function sparkplugOff(env: NodeJS.ProcessEnv, session: InspectorSessionMode): boolean {
  const value = env.LIVEPROBE_SPARKPLUG?.trim() || (session === 'startup' ? 'off' : 'on');
  if (value === 'off' || value === 'on') return value === 'off';
  throw new AgentConfigError(`LIVEPROBE_SPARKPLUG: "${value}" is not one of on, off`);
}
