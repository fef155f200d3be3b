/**
 * Whether a V8 runs the conditions of a statement's breakpoints again when that statement throws
 * while a session pauses at thrown errors (debug.cc `IsMutedAtCurrentLocation`, the runs
 * main/throw-reruns.ts and main/raise-reruns.ts tell from hits). V8 12.4 (Node 22) and earlier
 * do. V8 12.9 (Node 23) and 13.6 (Node 24) do not: they remember that the conditions were false
 * at the statement and mute the pause without running them again (measured with one conditional
 * breakpoint on a `throw` in a standalone inspector script on each). The change lies between;
 * 12.5–12.8, which no Node release carries, are taken as the newer kind, as is an unknown version.
 */
const VERSION = /^(\d+)\.(\d+)\./;

export function conditionsRunAgainAtThrow(v8Version: string): boolean {
  const found = VERSION.exec(v8Version);
  if (found === null) return false;
  const major = Number(found[1]);
  return major < 12 || (major === 12 && Number(found[2]) <= 4);
}
