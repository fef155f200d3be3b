// `node --require @liveprobe/agent/register app.js`: CommonJS cannot load the ESM agent
// synchronously on every Node 20 release, and it does not need to: probes install later.
import('./register.js').catch((err: unknown) => {
  process.stderr.write(`[liveprobe] the agent could not start and is disabled: ${err instanceof Error ? err.message : String(err)}\n`);
});
