/**
 * A file a bundler put into several scripts (Next.js bundles a module into each page that imports
 * it, and loads a page's bundle on the first request to it) may get another copy at any time. An
 * action installed in such a file keeps V8 pausing before new scripts (and the CommonJS loader
 * gating modules), as an action that waits does: the copy that loads later is placed before the
 * request that loaded it runs it. One on prepared sites needs no inspector: a prepared copy
 * waits for its placement as it binds (prepare/late-copy-gate.ts).
 */
import type { ScriptSourceMap } from '../locate/source-maps.js';
import type { ProbeState } from './probe-state.js';

/** A map that names several of the project's sources: a bundle, any of whose files may be in other scripts too. */
export function inBundle(map: ScriptSourceMap | undefined): boolean {
  if (map === undefined) return false;
  const sources = map.sources();
  sources.next();
  return sources.next().done !== true;
}

/** Installed on breakpoints in a bundle: a copy loading later takes the action (ProbeEngine.retryWaiting). */
export function copiesMayLoad(state: ProbeState): boolean {
  return state.kind === 'breakpoints' && state.placements.some((placement) => placement.bundled === true);
}

/**
 * Installed on prepared sites of a bundle: a prepared copy loading later takes the action as it
 * binds (ProbeEngine.widenPrepared), which holds the app until then (prepare/late-copy-gate.ts).
 */
export function preparedCopiesMayLoad(state: ProbeState): boolean {
  return state.kind === 'prepared' && state.bundled === true;
}
