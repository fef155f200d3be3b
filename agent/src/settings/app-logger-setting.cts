// Whether the agent watches for the app's pino or winston logger (main/app-loggers.cts), read
// by the main thread, which watches, and by the worker, whose status says when a log action's
// `logger` output cannot be had. CommonJS, as `--require` reads it before the agent starts.

/**
 * Watching wraps `require` (two more frames on every require stack, and it calls what the app may
 * have replaced), so it is opt-in: `LIVEPROBE_APP_LOGGER=on`, or `logger` among the agent's default
 * log outputs (`LIVEPROBE_LOG_OUTPUTS`). Without it a `logger` output prints to the console.
 */
export function wantsAppLoggers(env: NodeJS.ProcessEnv): boolean {
  const setting = env.LIVEPROBE_APP_LOGGER?.trim();
  if (setting === 'on') return true;
  if (setting === 'off') return false;
  return (env.LIVEPROBE_LOG_OUTPUTS ?? '').split(',').some((output) => output.trim() === 'logger');
}
