import { ROLES, Role } from '@liveprobe/protocol';

/**
 * Each role can do what the ones before it can. `agent` is for MQTT only: an agent token opens
 * the embedded broker (within its tags) and no REST route, since every route needs viewer or above.
 */
export { ROLES, Role };

export function hasRole(granted: Role, needed: Role): boolean {
  return ROLES.indexOf(granted) >= ROLES.indexOf(needed);
}

/** The highest role among `values`; undefined when none names a role. */
export function highestRole(values: readonly unknown[]): Role | undefined {
  let best: Role | undefined;
  for (const value of values) {
    const parsed = Role.safeParse(value);
    if (parsed.success && (best === undefined || hasRole(parsed.data, best))) best = parsed.data;
  }
  return best;
}
