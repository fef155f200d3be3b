/**
 * `module.register()` hooks that prepare matching ES modules. They run on Node's hooks thread
 * (off the main thread in Node 20), so the transform's cost does not block the app's event
 * loop between imports; outcomes go to the main thread over a port. A prepared module imports
 * its flags from a synthetic module served here, which has no imports of its own, so import
 * cycles between prepared modules still work.
 */
import type { MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { isPrebuilt } from './prebuilt.js';
import { PrepareCache } from './prepare-cache.js';
import { prepareFile } from './prepare-file.js';
import { missedTypeScript, shouldPrepare, type PatternMiss, type PrepareSettings } from './prepare-settings.js';
import type { PreparedOutput } from './prepared-output.js';
import {
  type PatternMissReport,
  type ModuleTable,
  EXPORTED_BINDINGS,
  FLAGS_SCHEME,
  moduleHeader,
  outcomeReport,
  REGISTRY_GLOBAL,
  UNBOUND_EXCEPTION_SITES,
} from './prepared-messages.js';

export interface HooksData {
  settings: PrepareSettings;
  version: string;
  port: MessagePort;
}

let data: HooksData | undefined;
let cache: PrepareCache | undefined;
/** What each prepared module's flags module passes to the registry: its position table went over the port when it could be packed. */
const bindings = new Map<string, Binding>();

interface Binding {
  sites: number[];
  functions: number;
  map: PreparedOutput['map'] | undefined;
  sourceMappingURL: string | undefined;
  siteNames: PreparedOutput['siteNames'];
}

export function initialize(initial: HooksData): void {
  data = initial;
  cache = initial.settings.cacheDir === undefined ? undefined : new PrepareCache(initial.settings.cacheDir, initial.version);
}

interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadResult {
  format: string | null | undefined;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

export async function resolve(
  specifier: string,
  context: unknown,
  next: (specifier: string, context: unknown) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  if (specifier.startsWith(FLAGS_SCHEME)) return { url: specifier, format: 'module', shortCircuit: true };
  return next(specifier, context);
}

export async function load(
  url: string,
  context: unknown,
  next: (url: string, context: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
  if (url.startsWith(FLAGS_SCHEME))
    return { format: 'module', source: flagsModule(decodeURIComponent(url.slice(FLAGS_SCHEME.length))), shortCircuit: true };
  const result = await next(url, context);
  if (data === undefined || !url.startsWith('file:')) return result;
  const { port } = data;
  const missed = (miss: PatternMiss): void => port.postMessage({ t: 'missed', ...miss } satisfies PatternMissReport);
  // Node's own type stripping (`module-typescript`, `commonjs-typescript`): never prepared, and said so.
  if (result.format?.endsWith('-typescript') === true) missedTypeScript(data.settings, fileURLToPath(url), missed);
  if (result.format !== 'module' || result.source == null) return result;
  const path = fileURLToPath(url);
  if (!shouldPrepare(data.settings, path, missed)) return result;
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  // Prepared at build time (or its flags module): it binds itself to the agent.
  if (isPrebuilt(source)) return result;
  const outcome = prepareFile(source, 'module', moduleHeader(url), cache);
  data.port.postMessage(outcomeReport(path, outcome));
  if (outcome.kind === 'failed') return result;
  // Posted before the module's source returns, so before its flags module binds it on the main
  // thread, which takes it then (shared memory: posting it copies nothing).
  const { output, table } = outcome;
  if (table !== undefined) data.port.postMessage({ t: 'table', url, table } satisfies ModuleTable);
  bindings.set(url, {
    sites: output.sites,
    functions: output.functions,
    map: table === undefined ? output.map : undefined,
    sourceMappingURL: output.sourceMappingURL,
    siteNames: output.siteNames,
  });
  return { ...result, source: output.code };
}

/**
 * Binds the file's flag tables on the main thread. Without an agent there (a worker thread that
 * inherited the hooks), every flag stays off: zeros made from literals, so even then the module
 * reads no global the app could have replaced.
 */
function flagsModule(url: string): string {
  const output = bindings.get(url);
  const sites = output?.sites ?? [];
  const functions = output?.functions ?? 0;
  return [
    'const zeros = (n) => { const a = []; for (let i = 0; i < n; i++) a[i] = 0; return a; };',
    `const lp = typeof ${REGISTRY_GLOBAL} !== 'function' ? { F: zeros(${functions}), S: zeros(${sites.length / 3}), H: function () {}, C: function () {}, ${UNBOUND_EXCEPTION_SITES} }`,
    `  : ${REGISTRY_GLOBAL}(${JSON.stringify(url)}, ${JSON.stringify(sites)}, ${functions}, ${JSON.stringify(output?.map ?? null)}, ${JSON.stringify(output?.sourceMappingURL)}, undefined, ${JSON.stringify(output?.siteNames ?? null)});`,
    EXPORTED_BINDINGS,
  ].join('\n');
}
