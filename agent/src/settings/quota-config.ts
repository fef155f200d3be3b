/** The footprint guards' settings from the agent's own configuration (the control plane cannot change them). */
import { DEFAULT_QUOTAS, type QuotaSettings } from './quota-settings.js';
import { AgentConfigError } from './config-error.js';

const VARIABLES: Record<keyof QuotaSettings, string> = {
  hitsPerSecond: 'LIVEPROBE_QUOTA_HITS_PER_SECOND',
  bytesPerSecond: 'LIVEPROBE_QUOTA_BYTES_PER_SECOND',
  cpuMsPerSecond: 'LIVEPROBE_CPU_BUDGET_MS_PER_SECOND',
  breakpointCostUs: 'LIVEPROBE_BREAKPOINT_COST_US',
};

/** Environment over the config file's `quotas` section (already checked) over the defaults, one guard at a time. */
export function readQuotas(env: NodeJS.ProcessEnv, file: Partial<QuotaSettings>): QuotaSettings {
  const quotas = { ...DEFAULT_QUOTAS, ...file };
  for (const [key, variable] of Object.entries(VARIABLES) as [keyof QuotaSettings, string][]) {
    const text = env[variable]?.trim();
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0)
      throw new AgentConfigError(`${variable}: "${text}" is not a non-negative number (0 turns the limit off)`);
    quotas[key] = value;
  }
  return quotas;
}
