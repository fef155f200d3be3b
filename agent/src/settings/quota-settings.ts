/** The per-action and per-agent quotas (`quotas` in the agent's config), and their defaults. */
export interface QuotaSettings {
  /** Per action; 0 turns the limit off. */
  hitsPerSecond: number;
  /** Per action, output bytes (log lines, snapshots); 0 turns the limit off. */
  bytesPerSecond: number;
  /** Per agent, milliseconds of probe time per second of wall time; 0 turns the budget off. */
  cpuMsPerSecond: number;
  /** What V8 spends per hit before the hook runs (evaluating the condition), in microseconds. */
  breakpointCostUs: number;
}

export const DEFAULT_QUOTAS: QuotaSettings = {
  hitsPerSecond: 200,
  bytesPerSecond: 256 * 1024,
  cpuMsPerSecond: 50,
  breakpointCostUs: 150,
};
