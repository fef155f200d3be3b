/**
 * Sets up install path 2 on the app's main thread: the registry prepared files bind to (files
 * prepared at build time by `liveprobe prepare` bind to it on their own) and the stack-trace
 * mapping; when files are to be prepared as they load (`LIVEPROBE_PREPARE`, or `prepare` in
 * LIVEPROBE_CONFIG), the CommonJS and ESM loaders and each file's outcome for the start-up
 * report and the agent's status. Returns the worker's end of the prepared-sites channel.
 */
import { createRequire, register } from 'node:module';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { AgentConfigError } from '../settings/config-error.js';
import { prepareCommonJs } from './commonjs-loader.js';
import type { HooksData } from '../prepare/esm-hooks.js';
import { PrepareCache, type PrepareCacheAt } from '../prepare/prepare-cache.js';
import { prepareFile } from '../prepare/prepare-file.js';
import {
  patternMissWarning,
  readPrepareSettings,
  shouldPrepare,
  type PatternMiss,
  type PrepareSettings,
} from '../prepare/prepare-settings.js';
import { runsOutsideItsFile, startsAsPrebuilt } from './bundled-prebuilt.js';
import { commonJsHeader, outcomeReport, REGISTRY_GLOBAL, type PreparedOutcomeReport } from '../prepare/prepared-messages.js';
import { PreparedRegistry, type HitTarget } from './prepared-registry.js';
import { PrepareTally } from './prepare-tally.js';
import { installStackTraces } from './stack-traces.js';
import { StartReport } from './start-report.js';
import { ModuleTables } from './module-tables.js';
import { TRANSFORM_VERSION } from '../prepare/transform.js';
import { isPrebuilt } from '../prepare/prebuilt.js';
import { lateCopyGate } from '../prepare/late-copy-gate.js';

const REQUIRE_ESM = 'an ES module loaded with require() (require(esm)) is not prepared';
const RAN_BEFORE_THE_AGENT =
  'prepared at build time, but it ran before the agent started (from the app’s own code, e.g. LiveprobeInstrumentation), so its sites are not bound and its lines take breakpoints: start the agent first (node --import @liveprobe/agent/register)';
const REQUIRED_BEFORE_THE_AGENT = `prepared at build time, but with --require this Node (${process.version}; 20.19 or later starts it first) started the agent after the entry module, so its sites are not bound and its lines take breakpoints: load the agent with --import, or run Node 20.19 or later`;

/** Set by register-cjs.cts when `--require` could not start the agent before the entry module. */
const LATE_START_KEY = 'liveprobe.lateStart';

export function installPrepare(target: HitTarget, env: NodeJS.ProcessEnv, sessionOpen: Int32Array): PreparedChannel {
  const settings = settingsOrNone(env);
  const { port1, port2 } = new MessageChannel();
  // Always there: a file prepared at build time binds to it whether or not anything is prepared
  // as it loads. Stack traces are remapped once the first prepared file binds.
  const allOn = allFlagsOn(env);
  // Every exception site records too (and finds no action to capture for).
  if (allOn) target.exceptionsAlwaysOn();
  const tally = new PrepareTally(settings !== undefined);
  const moduleTables = new ModuleTables();
  const copyGate = lateCopyGate();
  const registry = new PreparedRegistry(
    target,
    port1,
    sessionOpen,
    allOn,
    () => installStackTraces(registry),
    (report) => tally.add(report),
    runsOutsideItsFile,
    (url) => moduleTables.take(url),
    copyGate,
  );
  // The registry itself, for diagnostics (whether the inspector session is open, a file's flags);
  // prepared code never reads it.
  Object.defineProperty(globalThis, Symbol.for('liveprobe.prepared'), { value: registry, enumerable: false });
  Object.defineProperty(globalThis, REGISTRY_GLOBAL, {
    // A bound function: calling it looks nothing up on objects the app can reach.
    value: registry.file.bind(registry),
    enumerable: false,
    writable: false,
    configurable: false,
  });
  port1.unref();
  const reason = Symbol.for(LATE_START_KEY) in globalThis ? REQUIRED_BEFORE_THE_AGENT : RAN_BEFORE_THE_AGENT;
  for (const path of prebuiltLoadedAlready()) tally.add({ t: 'outcome', path, kind: 'failed', reason, ms: 0, bytes: 0 });
  const cache = settings === undefined ? undefined : installLoaders(settings, registry, tally, moduleTables, env);
  return { port: port2, copyGate, tally, preparing: settings !== undefined, ...(cache === undefined ? {} : { cache }) };
}

export interface PreparedChannel {
  /** The worker's end of the prepared-sites channel. */
  port: MessagePort;
  /** Shared with the worker: a file binding while an action may take late copies waits for its placement (late-copy-gate.ts). */
  copyGate: Int32Array;
  /** How prepared files fared, for the agent's status. */
  tally: PrepareTally;
  /** Whether files are prepared as they load (LIVEPROBE_PREPARE). */
  preparing: boolean;
  /** Where their prepared output is cached: the worker finds a cached file's position table there if it could not be shared. */
  cache?: PrepareCacheAt;
}

/** Returns where prepared output is cached, if it is. */
function installLoaders(
  settings: PrepareSettings,
  registry: PreparedRegistry,
  tally: PrepareTally,
  moduleTables: ModuleTables,
  env: NodeJS.ProcessEnv,
): PrepareCacheAt | undefined {
  const level = env.LIVEPROBE_LOG_LEVEL ?? 'info';
  // The app's stderr is the app's: warnings by default, the routine summary only when asked for.
  const warn = (line: string): void => {
    if (level !== 'silent') process.stderr.write(`[liveprobe] ${line}\n`);
  };
  const info = (line: string): void => {
    if (level === 'debug') process.stderr.write(`[liveprobe] ${line}\n`);
  };
  if (Symbol.for(LATE_START_KEY) in globalThis)
    warn('prepared files with --require need Node 20.19 or later; load the agent with --import to prepare the entry module');
  const report = new StartReport({ info, warn }, settings.warnBytes);
  const version = `${(createRequire(import.meta.url)('../../package.json') as { version: string }).version}+t${TRANSFORM_VERSION}`;
  const cache = settings.cacheDir === undefined ? undefined : new PrepareCache(settings.cacheDir, version);
  const record = (outcome: PreparedOutcomeReport): void => {
    report.add(outcome);
    // The agent's status carries the tally; files that load later update it.
    tally.add(outcome);
  };
  // The CommonJS loader and the hooks thread each say a pattern's miss once; the user hears it once.
  const warned = new Set<string>();
  const missed = (miss: PatternMiss): void => {
    const key = `${miss.kind}:${miss.pattern}`;
    if (warned.has(key)) return;
    warned.add(key);
    const line = patternMissWarning(miss);
    warn(`warning: ${line}`);
    tally.warn(line);
  };

  const header = commonJsHeader();
  prepareCommonJs((filename, content, format) => {
    // Prepared at build time: its header binds it to the registry.
    if (!shouldPrepare(settings, filename, missed) || isPrebuilt(content)) return undefined;
    if (format === 'module' || filename.endsWith('.mjs')) {
      // require(esm): Node compiles it as an ES module, outside the loader hooks, where the
      // flags import of a prepared module cannot load. It runs as written, and says so.
      record({ t: 'outcome', path: filename, kind: 'failed', reason: REQUIRE_ESM, ms: 0, bytes: Buffer.byteLength(content) });
      return undefined;
    }
    const outcome = prepareFile(content, 'commonjs', header, cache);
    record(outcomeReport(filename, outcome));
    if (outcome.kind === 'failed') return undefined;
    registry.expect(filename, outcome.output, outcome.table);
    return outcome.output.code;
  });

  const outcomes = new MessageChannel();
  moduleTables.listen(outcomes.port1, record, missed);
  outcomes.port1.unref();
  const data: HooksData = { settings, version, port: outcomes.port2 };
  register(new URL('../prepare/esm-hooks.js', import.meta.url), { data, transferList: [outcomes.port2] });
  process.once('exit', () => {
    moduleTables.drain();
    report.flush();
  });
  return settings.cacheDir === undefined ? undefined : { dir: settings.cacheDir, version };
}

/** LIVEPROBE_PREPARE_FLAGS=all runs every twin and fires every site: how the project checks that prepared code behaves as the original. */
function allFlagsOn(env: NodeJS.ProcessEnv): boolean {
  const value = env.LIVEPROBE_PREPARE_FLAGS;
  if (value === undefined || value === '' || value === 'off') return false;
  if (value === 'all') return true;
  process.stderr.write(`[liveprobe] LIVEPROBE_PREPARE_FLAGS: "${value}" is not one of off, all; flags stay off\n`);
  return false;
}

/** A mistake in the settings turns preparing off, never the app: the rest of the agent still starts. */
function settingsOrNone(env: NodeJS.ProcessEnv): PrepareSettings | undefined {
  try {
    return readPrepareSettings(env, process.cwd());
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    process.stderr.write(`[liveprobe] not preparing files: ${err.message}\n`);
    return undefined;
  }
}

/**
 * The app's CommonJS files prepared at build time that ran before the agent started: started from
 * the app's code (LiveprobeInstrumentation in a NodeSDK set up in the entry file), the agent finds
 * the files loaded until then in the require cache, their headers run without it.
 */
function prebuiltLoadedAlready(): string[] {
  const cache = createRequire(import.meta.url).cache;
  return Object.keys(cache).filter((path) => !/[\\/]node_modules[\\/]/.test(path) && startsAsPrebuilt(path));
}
