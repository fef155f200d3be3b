/**
 * The agent's configuration, from the environment and the optional LIVEPROBE_CONFIG file. Read
 * whole by the app's main thread as the agent starts (a mistake disables the agent then, even
 * while its worker waits for the first action) and again by the worker; the settings that guard
 * the app (AgentSettings) are read again whenever the file changes (worker/settings-reload.ts).
 */
import type { LogOutput } from '@liveprobe/protocol';
import { readConnection, type ConnectionSettings } from './connection-settings.js';
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from './capture-settings.js';
import {
  BUILT_IN_PATTERNS,
  DEFAULT_PATTERNS,
  DEFAULT_REDACTED_KEYS,
  type BuiltInPattern,
  type RedactionSettings,
} from './redaction-settings.js';
import type { BlocklistSettings } from '../locate/blocklist.js';
import { AgentConfigError } from './config-error.js';
import { inspectorSessionMode } from './inspector-session-mode.js';
import { workerStart } from './worker-start.js';
import { sparkplugOff } from './baseline-compiler.js';
import { workerNice } from './worker-priority.js';
import { checkOutputs, MIN_CAPTURE_BYTES, readConfigFile, type ConfigFile } from './config-file.js';
import { readQuotas } from './quota-config.js';
import type { QuotaSettings } from './quota-settings.js';

/** What the agent's own configuration decides and the control plane cannot change; reloaded with the file. */
export interface AgentSettings {
  /** Bounds on captured values: snapshots, log placeholders, `str()`. */
  capture: CaptureLimits;
  /** What the main thread hides. */
  redaction: RedactionSettings;
  /** What no action may read. */
  blocklist: BlocklistSettings;
  /** Footprint guards: per-action rates and the agent's CPU budget. */
  quotas: QuotaSettings;
  /** Where log actions' lines go when an action names no outputs. */
  logOutputs: LogOutput[];
}

export interface AgentConfig extends AgentSettings, ConnectionSettings {
  /** Live output events per second per action sent to the control plane; the rest are counted as dropped. */
  liveOutputPerSecond: number;
  /** LIVEPROBE_CONFIG, when set: the file the worker watches. */
  configFile: string | undefined;
  /** Its `prepare` section as read at start-up, to tell when it changed (it applies at the next start). */
  prepareSection: string | undefined;
}

export function readConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const connection = readConnection(env);
  const rate = Number(env.LIVEPROBE_LIVE_OUTPUT_PER_SECOND ?? 50);
  if (!Number.isFinite(rate) || rate < 0) throw new AgentConfigError('LIVEPROBE_LIVE_OUTPUT_PER_SECOND must be a non-negative number');
  sparkplugOff(env, inspectorSessionMode(env));
  workerNice(env);
  workerStart(env);
  const configFile = env.LIVEPROBE_CONFIG?.trim() || undefined;
  const file = configFile === undefined ? { settings: {}, prepare: undefined } : readConfigFile(configFile);
  return {
    ...connection,
    liveOutputPerSecond: rate,
    configFile,
    prepareSection: file.prepare,
    ...readSettings(env, file.settings),
  };
}

/** The environment over the file's settings: lists add up, single values from the environment win. */
export function readSettings(env: NodeJS.ProcessEnv, file: ConfigFile): AgentSettings {
  const blocklist: BlocklistSettings = {
    files: [...list(env.LIVEPROBE_BLOCK_FILES), ...(file.block?.files ?? [])],
    functions: [...list(env.LIVEPROBE_BLOCK_FUNCTIONS), ...(file.block?.functions ?? [])],
    variables: [...list(env.LIVEPROBE_BLOCK_VARIABLES), ...(file.block?.variables ?? [])],
  };
  return {
    capture: readCaptureLimits(env, file),
    // A blocked variable is also hidden where it appears as a field of a captured value.
    redaction: { ...readRedaction(env, file), exactKeys: blocklist.variables },
    blocklist,
    quotas: readQuotas(env, file.quotas ?? {}),
    logOutputs: readLogOutputs(env, file),
  };
}

/** LIVEPROBE_LOG_OUTPUTS over the file's `output.log` over `otel,live`. */
function readLogOutputs(env: NodeJS.ProcessEnv, file: ConfigFile): LogOutput[] {
  const fromEnv = list(env.LIVEPROBE_LOG_OUTPUTS);
  if (fromEnv.length === 0) return (file.output?.log as LogOutput[] | undefined) ?? ['otel', 'live'];
  checkOutputs('LIVEPROBE_LOG_OUTPUTS', fromEnv);
  return [...new Set(fromEnv)] as LogOutput[];
}

const CAPTURE_VARIABLES: Record<keyof CaptureLimits, string> = {
  depth: 'LIVEPROBE_CAPTURE_DEPTH',
  properties: 'LIVEPROBE_CAPTURE_PROPERTIES',
  items: 'LIVEPROBE_CAPTURE_ITEMS',
  stringLength: 'LIVEPROBE_CAPTURE_STRING_LENGTH',
  totalBytes: 'LIVEPROBE_CAPTURE_BYTES',
};

/** Environment over file over defaults, one limit at a time. */
function readCaptureLimits(env: NodeJS.ProcessEnv, file: ConfigFile): CaptureLimits {
  const limits: CaptureLimits = { ...DEFAULT_CAPTURE_LIMITS, ...file.capture };
  for (const [field, variable] of Object.entries(CAPTURE_VARIABLES) as [keyof CaptureLimits, string][]) {
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new AgentConfigError(`${variable}: "${raw}" must be a positive integer`);
    limits[field] = value;
  }
  // Only the environment's value can be too small here: the file's is checked with the file.
  if (limits.totalBytes < MIN_CAPTURE_BYTES)
    throw new AgentConfigError(
      `${CAPTURE_VARIABLES.totalBytes}: ${limits.totalBytes} bytes cannot hold a useful capture; use at least ${MIN_CAPTURE_BYTES}`,
    );
  return limits;
}

/** Lists add to the defaults: the owner of the process can hide more, never less by accident. */
function readRedaction(env: NodeJS.ProcessEnv, file: ConfigFile): Omit<RedactionSettings, 'exactKeys'> {
  const keys = [...DEFAULT_REDACTED_KEYS, ...list(env.LIVEPROBE_REDACT_KEYS), ...(file.redact?.keys ?? [])];
  const named = env.LIVEPROBE_REDACT_PATTERNS?.trim()
    ? list(env.LIVEPROBE_REDACT_PATTERNS)
    : (file.redact?.patterns ?? [...DEFAULT_PATTERNS]);
  const patterns: BuiltInPattern[] = [];
  for (const name of named) {
    if (name === 'none') continue;
    // Only the environment's names can be unknown here: the file's are checked with the file.
    if (!(BUILT_IN_PATTERNS as readonly string[]).includes(name)) {
      throw new AgentConfigError(
        `LIVEPROBE_REDACT_PATTERNS: "${name}" is not a built-in pattern; use ${BUILT_IN_PATTERNS.join(', ')} or none (own regular expressions go in LIVEPROBE_CONFIG under redact.regexes)`,
      );
    }
    if (!patterns.includes(name as BuiltInPattern)) patterns.push(name as BuiltInPattern);
  }
  const emails = env.LIVEPROBE_REDACT_EMAILS?.trim() ? flag('LIVEPROBE_REDACT_EMAILS', env.LIVEPROBE_REDACT_EMAILS) : file.redact?.emails;
  if (emails === true && !patterns.includes('email')) patterns.push('email');
  if (emails === false && patterns.includes('email')) patterns.splice(patterns.indexOf('email'), 1);
  return { keys, patterns, regexes: file.redact?.regexes ?? [] };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function flag(variable: string, value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
  if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
  throw new AgentConfigError(`${variable}: "${value}" is not true or false`);
}
