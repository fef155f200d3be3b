// The built agent's internal modules, for benchmarks that time its work in-process.
import { fromRoot } from '@liveprobe/harness';
import { pathToFileURL } from 'node:url';

/** A module of the built agent (its main-thread modules are internal: not in its package exports), e.g. `main/serialize.js`. */
export async function agentModule<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(fromRoot(`agent/dist/${path}`)).href)) as T;
}
