/**
 * Whether an agent token may connect as an agent id (MQTT client id): its patterns are exact ids
 * (`shop-1`) or prefixes ending in `*` (AgentIdPattern in @liveprobe/protocol). `*` alone allows
 * any id: one token is then worth every agent, as before ids were bound.
 */
export function mayConnectAs(patterns: readonly string[], agentId: string): boolean {
  return patterns.some((pattern) => (pattern.endsWith('*') ? agentId.startsWith(pattern.slice(0, -1)) : agentId === pattern));
}
