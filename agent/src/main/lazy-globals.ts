/**
 * On Node 22 and later, Node defines most of its web globals (fetch's classes, web streams,
 * `File`, `Navigator`, `Crypto`, `AbortController`…) as V8 lazy data properties: reading one's
 * property descriptor, not only its value, loads its module (`Request` loads undici, which loads
 * http, tls and http2: +14 MiB RSS on a bare app). The agent must not load what the app did not,
 * so the app thread reads such a global only once Node shows its module loaded
 * (./platform-getters.ts), and otherwise reads descriptors only of globals known to be made
 * while Node starts.
 */
import { runInNewContext } from 'node:vm';
import { arrayIncludes } from './builtins.js';

const nodeProcess = (globalThis as { process?: { moduleLoadList?: readonly string[]; versions?: { node?: string } } }).process;
/** Node's list of the built-in modules it has loaded (absent in a page the hook is attached to). */
const moduleLoadList = nodeProcess?.moduleLoadList;

/** Whether this Node defines its web globals as lazy properties (22 and later). */
export const globalsAreLazy = Number(nodeProcess?.versions?.node?.split('.')[0] ?? 0) >= 22;

/** True once Node has loaded its built-in module `id` (`internal/deps/undici/undici`), for the app or anyone. */
export function builtinLoaded(id: string): boolean {
  return moduleLoadList !== undefined && arrayIncludes(moduleLoadList, `NativeModule ${id}`);
}

/**
 * Node's globals that every Node the agent supports (20, 22, 24; `navigator` from 21) makes while
 * it starts, before any code runs. Measured by reading each one's descriptor alone in a fresh
 * process and comparing `process.moduleLoadList` before and after.
 */
const NODE_EAGER = [
  'global',
  'process',
  'Buffer',
  'URL',
  'URLSearchParams',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'queueMicrotask',
  'structuredClone',
  'atob',
  'btoa',
  'Blob',
  'TextEncoder',
  'TextDecoder',
  'Event',
  'EventTarget',
  'performance',
  'fetch',
  'crypto',
  'navigator',
];

let safe: ReadonlySet<string> | undefined;
/**
 * Whether reading global `name`'s descriptor is known to load nothing: any before Node 22; then
 * the language's own globals (those of a fresh context, which V8 makes, never Node's loaders) and
 * NODE_EAGER. Any other name may be one of Node's lazy properties, today or in a later Node.
 */
export function descriptorIsSafe(name: string): boolean {
  if (!globalsAreLazy) return true;
  safe ??= new Set([...(runInNewContext('Object.getOwnPropertyNames(globalThis)') as string[]), ...NODE_EAGER]);
  return safe.has(name);
}
