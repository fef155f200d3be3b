/**
 * Instructions per hit on the app's main thread, which do not depend on the machine's load: the
 * hit path of this checkout in a loop (scripts/hit-path-loop.mjs) under valgrind's callgrind,
 * threads counted apart, at N and at 2N hits; the main thread's difference over N is one hit
 * (start-up and V8's compiling cancel out).
 */
import { fromRoot, repoRoot } from '@liveprobe/harness';
import { mainThreadInstructions as countMainThread } from './callgrind.js';

/** Instructions the main thread ran for `hits` hits of `variant`, start-up included. */
function mainThreadInstructions(variant: string, hits: number, env: Record<string, string>): Promise<number> {
  return countMainThread([fromRoot('scripts/hit-path-loop.mjs'), repoRoot, variant, String(hits)], env);
}

/**
 * The main thread's instructions per hit of `variant` (see scripts/hit-path-loop.mjs), as the
 * slope from `hits` to 2 × `hits`; `env` sets the loop's options (HIT_PATH_LOOP_LOG_FIRST).
 */
export async function instructionsPerHit(variant: string, hits: number, env: Record<string, string> = {}): Promise<number> {
  const once = await mainThreadInstructions(variant, hits, env);
  const twice = await mainThreadInstructions(variant, 2 * hits, env);
  return (twice - once) / hits;
}
