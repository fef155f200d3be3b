/**
 * What a reload of the agent's configuration changed, named as in the config file, for the one
 * line the agent logs per reload: `redact.keys +iban; quotas.hitsPerSecond 200 → 5`.
 */
import type { AgentSettings } from '../settings/agent-config.js';

export interface SettingsChanges {
  /** One entry per changed setting. */
  described: string[];
  /** Capture limits, redaction, quotas or log outputs changed: the main thread compiles its probes again. */
  hook: boolean;
  /** The blocklist changed: installed actions are checked against it again. */
  blocklist: boolean;
}

export function settingsChanges(before: AgentSettings, after: AgentSettings): SettingsChanges {
  const variables = listChange('block.variables', before.blocklist.variables, after.blocklist.variables);
  const blocklist = [
    listChange('block.files', before.blocklist.files, after.blocklist.files),
    listChange('block.functions', before.blocklist.functions, after.blocklist.functions),
    variables,
  ].flat();
  const hook = [
    listChange('redact.keys', before.redaction.keys, after.redaction.keys),
    listChange('redact.patterns', before.redaction.patterns, after.redaction.patterns),
    listChange('redact.regexes', before.redaction.regexes, after.redaction.regexes),
    valueChanges('capture', before.capture, after.capture),
    valueChanges('quotas', before.quotas, after.quotas),
    listChange('output.log', before.logOutputs, after.logOutputs),
  ].flat();
  // Blocked variables are also hidden inside captured values, which is the main thread's part.
  return { described: [...hook, ...blocklist], hook: hook.length > 0 || variables.length > 0, blocklist: blocklist.length > 0 };
}

function listChange(name: string, before: readonly string[], after: readonly string[]): string[] {
  const items = [
    ...after.filter((item) => !before.includes(item)).map((item) => `+${item}`),
    ...before.filter((item) => !after.includes(item)).map((item) => `-${item}`),
  ];
  return items.length === 0 ? [] : [`${name} ${items.join(' ')}`];
}

function valueChanges<T extends object>(section: string, before: T, after: T): string[] {
  return (Object.keys(after) as (keyof T)[])
    .filter((field) => before[field] !== after[field])
    .map((field) => `${section}.${String(field)} ${String(before[field])} → ${String(after[field])}`);
}
