/**
 * Which MQTT client ids (agent ids) an agent token may connect as: exact ids (`shop-1`), or
 * prefixes ending in `*` (`checkout-*`, which a Kubernetes deployment's pod names and so the
 * agents' default ids `<hostname>-<pid>-<hex>` start with). `*` alone allows any id: one token
 * is then worth every agent, as before ids were bound.
 */
import { z } from 'zod';

export const AgentIdPattern = z
  .string()
  .regex(
    /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\*?)$/,
    'an agent id (letters, digits, `.`, `_`, `:`, `-`, starting with a letter or digit), a prefix ending in `*` such as `checkout-*`, or `*` for any id',
  );

export function mayConnectAs(patterns: readonly string[], agentId: string): boolean {
  return patterns.some((pattern) => (pattern.endsWith('*') ? agentId.startsWith(pattern.slice(0, -1)) : agentId === pattern));
}
