// `node --require @liveprobe/agent/register app.js`: CommonJS cannot load the ESM agent
// synchronously on every Node 20 release, and for breakpoints it does not need to: probes
// install later. Prepared files (LIVEPROBE_PREPARE) must be hooked before the entry module
// loads, so then the agent is required synchronously where Node can (require(esm), 20.19+).
const fail = (err: unknown): void => {
  process.stderr.write(`[liveprobe] the agent could not start and is disabled: ${err instanceof Error ? err.message : String(err)}\n`);
};
let started = false;
if (process.env.LIVEPROBE_PREPARE?.trim()) {
  try {
    require('./register.js');
    started = true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') fail(err);
    else process.stderr.write('[liveprobe] LIVEPROBE_PREPARE with --require needs Node 20.19 or later; load the agent with --import to prepare the entry module\n');
  }
}
if (!started) import('./register.js').catch(fail);
