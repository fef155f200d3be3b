// `node --require @liveprobe/agent/register app.js`: CommonJS cannot load the ESM agent
// synchronously on every Node 20 release, and for breakpoints it does not need to: probes
// install later. Prepared files (LIVEPROBE_PREPARE, or `prepare` in LIVEPROBE_CONFIG) must be
// hooked before the entry module loads, so then the agent is required synchronously where Node
// can (require(esm), 20.19+). CommonJS cannot wait at start-up: LIVEPROBE_STARTUP_WAIT_MS needs --import.
const fail = (err: unknown): void => {
  process.stderr.write(`[liveprobe] the agent could not start and is disabled: ${err instanceof Error ? err.message : String(err)}\n`);
};
// The app's pino or winston logger is made as its modules load: watch before they do (when asked to).
try {
  const loggers = require('./main/app-loggers.cjs') as typeof import('./main/app-loggers.cjs');
  if (loggers.wantsAppLoggers(process.env)) loggers.watchAppLoggers();
} catch {
  // The agent says so once it starts (AppOutput).
}
/** start.ts as bundled after tsc (agent/scripts/bundle-agent.mjs): one file costs the app less memory than its modules. */
const START = './bundle/start.js';
let started = false;
if (process.env.LIVEPROBE_PREPARE?.trim() || process.env.LIVEPROBE_CONFIG?.trim()) {
  try {
    require(START);
    started = true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') fail(err);
    // Only the agent knows, once it has read its settings, whether files are to be prepared: it says so then.
    else Object.defineProperty(globalThis, Symbol.for('liveprobe.lateStart'), { value: true });
  }
}
if (!started) import(START).catch(fail);
if (process.env.LIVEPROBE_STARTUP_WAIT_MS?.trim()) {
  process.stderr.write(
    '[liveprobe] LIVEPROBE_STARTUP_WAIT_MS needs the agent loaded with --import; with --require the app starts without waiting\n',
  );
}
