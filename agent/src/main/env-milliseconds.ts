/**
 * A duration setting the app's main thread reads itself (it never loads the agent's config
 * reader): milliseconds, 0 or more; anything else is reported and the default used.
 */
export function millisecondsFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (Number.isFinite(value) && value >= 0) return value;
  process.stderr.write(`[liveprobe] ${name}="${text}" is not a number of milliseconds (0 or more); using ${fallback}\n`);
  return fallback;
}
