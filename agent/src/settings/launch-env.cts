// CommonJS, as `--require` reads it before the agent starts (register-cjs.cts).

/**
 * The environment the app runs with, read as the agent starts. pm2 in cluster mode forks each
 * worker with the app's variables (an ecosystem file's `env`, `--env`, the shell's at `pm2
 * start`) packed as JSON into one variable, `pm2_env`, which its process container copies into
 * process.env as the worker's entry module, after every `--import` and `--require` preload: an
 * agent reading process.env alone would join the default broker with no tags and export to the
 * default OTLP endpoint, while the app, a moment later, sees the settings its user gave. The
 * values pm2 will copy are taken over process.env's, as pm2 takes them; objects and nulls are
 * left out, as pm2's fork mode leaves them out of a child's environment.
 */
export function launchEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const packed = env.pm2_env;
  if (packed === undefined) return env;
  let unpacked: unknown;
  try {
    unpacked = JSON.parse(packed);
  } catch {
    // Not pm2's: an app's own variable of that name is only the app's business.
    return env;
  }
  if (typeof unpacked !== 'object' || unpacked === null || Array.isArray(unpacked)) return env;
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(unpacked)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') merged[key] = String(value);
  }
  return merged;
}
