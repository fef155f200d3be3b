// `node --require @liveprobe/agent/register app.js`: the agent is required synchronously where
// Node can (require(esm), 20.19+), so it starts before the entry module as with --import: files
// `liveprobe prepare` wrote bind only to an agent that is already there when they run, and files
// prepared as they load (LIVEPROBE_PREPARE, or `prepare` in LIVEPROBE_CONFIG) need its hooks
// before the entry module loads. Older Node 20 releases load it asynchronously, after the entry
// module, which is enough for breakpoints: probes install later. CommonJS cannot wait at start-up:
// LIVEPROBE_STARTUP_WAIT_MS needs --import.
import { isMainThread } from 'node:worker_threads';

// --require runs in every thread started with the process's options: the app's workers and, from
// Node 22, the thread running LIVEPROBE_PREPARE's ES module hooks, where requiring the agent fails
// and said it "could not start" while the app's agent ran. The agent is the main thread's.
if (isMainThread) register();

function register(): void {
  // The app's environment as a launcher such as pm2 will set it.
  const env = (require('./settings/launch-env.cjs') as typeof import('./settings/launch-env.cjs')).launchEnv();
  const fail = (err: unknown): void => {
    process.stderr.write(`[liveprobe] the agent could not start and is disabled: ${err instanceof Error ? err.message : String(err)}\n`);
  };
  // The app's pino or winston logger is made as its modules load: watch before they do (when asked to).
  try {
    const loggers = require('./main/app-loggers.cjs') as typeof import('./main/app-loggers.cjs');
    if (loggers.wantsAppLoggers(env)) loggers.watchAppLoggers();
  } catch {
    // The agent says so once it starts (AppOutput).
  }
  /** start.ts as bundled after tsc (agent/scripts/bundle-agent.mjs): one file costs the app less memory than its modules. */
  const START = './bundle/start.js';
  let started = false;
  try {
    require(START);
    started = true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') fail(err);
    // Only the agent knows, once it has read its settings and seen the files, whether any were to be prepared: it says so then.
    else Object.defineProperty(globalThis, Symbol.for('liveprobe.lateStart'), { value: true });
  }
  if (!started) import(START).catch(fail);
  if (env.LIVEPROBE_STARTUP_WAIT_MS?.trim()) {
    process.stderr.write(
      '[liveprobe] LIVEPROBE_STARTUP_WAIT_MS needs the agent loaded with --import; with --require the app starts without waiting\n',
    );
  }
}
