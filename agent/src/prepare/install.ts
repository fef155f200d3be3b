/**
 * Sets up install path 2 on the app's main thread when `LIVEPROBE_PREPARE` is set: the
 * registry the prepared files bind to, the CommonJS and ESM loaders, the stack-trace mapping
 * and the start-up report. Returns the worker's end of the prepared-sites channel.
 */
import { createRequire, register } from 'node:module';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { installCommonJsLoader } from './commonjs-loader.js';
import type { HooksData } from './esm-hooks.js';
import { PrepareCache } from './prepare-cache.js';
import { prepareFile } from './prepare-file.js';
import { readPrepareSettings, shouldPrepare } from './prepare-settings.js';
import { commonJsHeader, REGISTRY_KEY, type PreparedOutcomeReport } from './prepared-messages.js';
import { PreparedRegistry, type HitTarget } from './prepared-registry.js';
import { installStackTraces } from './stack-traces.js';
import { StartReport } from './start-report.js';
import { TRANSFORM_VERSION } from './transform.js';

export function installPrepare(target: HitTarget, env: NodeJS.ProcessEnv, sessionOpen: Int32Array): MessagePort | undefined {
  const settings = readPrepareSettings(env, process.cwd());
  if (settings === undefined) return undefined;
  const silent = env.LIVEPROBE_LOG_LEVEL === 'silent';
  const report = new StartReport((line) => {
    if (!silent) process.stderr.write(`[liveprobe] ${line}\n`);
  }, settings.warnBytes);
  const version = `${(createRequire(import.meta.url)('../../package.json') as { version: string }).version}+t${TRANSFORM_VERSION}`;
  const cache = settings.cacheDir === undefined ? undefined : new PrepareCache(settings.cacheDir, version);

  const { port1, port2 } = new MessageChannel();
  const registry = new PreparedRegistry(target, port1, sessionOpen);
  Object.defineProperty(globalThis, Symbol.for(REGISTRY_KEY), { value: registry, enumerable: false });
  port1.unref();

  const header = commonJsHeader();
  installCommonJsLoader((filename, content) => {
    // `.mjs` reaching the CommonJS loader is require(esm): the ESM hooks see it, not this.
    if (filename.endsWith('.mjs') || !shouldPrepare(settings, filename)) return undefined;
    const outcome = prepareFile(content, 'commonjs', header, cache);
    report.add({ path: filename, ...outcome, ...(outcome.kind === 'failed' ? { reason: outcome.reason } : {}) });
    if (outcome.kind === 'failed') return undefined;
    registry.expect(filename, outcome.output);
    return outcome.output.code;
  });

  const outcomes = new MessageChannel();
  outcomes.port1.on('message', (outcome: PreparedOutcomeReport) => report.add(outcome));
  outcomes.port1.unref();
  const data: HooksData = { settings, version, port: outcomes.port2 };
  register(new URL('./esm-hooks.js', import.meta.url), { data, transferList: [outcomes.port2] });

  installStackTraces(registry);
  process.once('exit', () => report.flush());
  return port2;
}
