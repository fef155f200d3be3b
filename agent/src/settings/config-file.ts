/**
 * The optional JSON file named by LIVEPROBE_CONFIG: the same settings as the LIVEPROBE_*
 * variables, for lists too long or too structured for the environment.
 *
 *   { "redact": { "keys": ["customer_ref"], "patterns": ["card", "email"], "regexes": ["ACCT-\\d{8}"] },
 *     "block": { "files": ["src/auth/**"], "functions": ["hashPassword"], "variables": ["dbConfig"] },
 *     "capture": { "depth": 4, "totalBytes": 32768 },
 *     "quotas": { "hitsPerSecond": 100, "cpuMsPerSecond": 20 },
 *     "prepare": { "files": ["dist/**"], "cache": "off" },
 *     "output": { "log": ["otel", "live", "console"] } }
 *
 * Light on purpose (no zod): the app's main thread reads `prepare` at start-up, before the
 * worker exists, and owns that section; the worker checks the others, at start-up and each
 * time the file changes.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { readFileSync } from 'node:fs';
import type { QuotaSettings } from './quota-settings.js';
import { BUILT_IN_PATTERNS } from './redaction-settings.js';
import { AgentConfigError } from './config-error.js';

export interface ConfigFile {
  redact?: { keys?: string[]; patterns?: string[]; regexes?: string[]; emails?: boolean };
  block?: { files?: string[]; functions?: string[]; variables?: string[] };
  capture?: { depth?: number; properties?: number; items?: number; stringLength?: number; totalBytes?: number };
  quotas?: Partial<QuotaSettings>;
  /** Globs as in LIVEPROBE_PREPARE (relative to the working directory), and LIVEPROBE_PREPARE_CACHE. */
  prepare?: { files?: string[]; cache?: string };
  /** Where log actions' lines go when an action names no outputs (LIVEPROBE_LOG_OUTPUTS). */
  output?: { log?: string[] };
}

/** `limit`: a non-negative number, 0 turning the guard off; `bytes`: a count of at least MIN_CAPTURE_BYTES. */
type FieldKind = 'strings' | 'patterns' | 'regexes' | 'directory' | 'boolean' | 'count' | 'bytes' | 'limit' | 'outputs';

/** A log action's outputs (the protocol's LOG_OUTPUTS: this file loads without the protocol package). */
export const LOG_OUTPUT_NAMES = ['otel', 'live', 'console', 'logger'] as const;

/** Less cannot hold a useful capture. */
export const MIN_CAPTURE_BYTES = 64;

const SECTIONS: Record<keyof ConfigFile, Record<string, FieldKind>> = {
  redact: { keys: 'strings', patterns: 'patterns', regexes: 'regexes', emails: 'boolean' },
  block: { files: 'strings', functions: 'strings', variables: 'strings' },
  capture: { depth: 'count', properties: 'count', items: 'count', stringLength: 'count', totalBytes: 'bytes' },
  quotas: {
    hitsPerSecond: 'limit',
    bytesPerSecond: 'limit',
    cpuMsPerSecond: 'limit',
    breakpointCostUs: 'limit',
  },
  prepare: { files: 'strings', cache: 'directory' },
  output: { log: 'outputs' },
};

export interface ConfigFileRead {
  settings: Omit<ConfigFile, 'prepare'>;
  /** The `prepare` section as written, unchecked: the worker only notices when it changes. */
  prepare: string | undefined;
}

/**
 * The worker's settings. `prepare` is left to readPrepareSection: a mistake there turns
 * preparing off, not the whole agent.
 */
export function readConfigFile(path: string): ConfigFileRead {
  const file = readObject(path);
  for (const [section, body] of Object.entries(file)) {
    if (!isSection(section)) throw new AgentConfigError(`${where(path, section)} is not a setting; use ${sectionNames('or')}`);
    if (section !== 'prepare') checkSection(path, section, body);
  }
  const { prepare, ...settings } = file as ConfigFile;
  return { settings, prepare: prepare === undefined ? undefined : JSON.stringify(prepare) };
}

/** Only the `prepare` section, for the app's main thread at start-up. */
export function readPrepareSection(path: string): NonNullable<ConfigFile['prepare']> {
  const file = readObject(path);
  if (file.prepare === undefined) return {};
  checkSection(path, 'prepare', file.prepare);
  return file.prepare as NonNullable<ConfigFile['prepare']>;
}

function readObject(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgentConfigError(
      `LIVEPROBE_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); fix the path or unset the variable`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(`LIVEPROBE_CONFIG: ${path} is not valid JSON (${errorMessage(err)})`);
  }
  if (!isRecord(parsed)) throw new AgentConfigError(`LIVEPROBE_CONFIG: ${path} must hold a JSON object with ${sectionNames('and/or')}`);
  return parsed;
}

function checkSection(path: string, section: keyof ConfigFile, body: unknown): void {
  const fields = SECTIONS[section];
  if (!isRecord(body)) throw new AgentConfigError(`${where(path, section)} must be an object`);
  for (const [field, value] of Object.entries(body)) {
    const kind = Object.hasOwn(fields, field) ? fields[field] : undefined;
    const name = `${section}.${field}`;
    if (kind === undefined && name === 'quotas.recycleAfterHits')
      throw new AgentConfigError(
        `${where(path, name)} was removed: the agent no longer recycles its inspector session (V8 now forgets collected condition scripts); delete it`,
      );
    if (kind === undefined)
      throw new AgentConfigError(
        `${where(path, name)} is not a setting; use one of ${Object.keys(fields)
          .map((f) => `${section}.${f}`)
          .join(', ')}`,
      );
    if (
      (kind === 'strings' || kind === 'patterns' || kind === 'regexes') &&
      !(Array.isArray(value) && value.every((v) => typeof v === 'string'))
    ) {
      throw new AgentConfigError(`${where(path, name)} must be an array of strings`);
    }
    const unknownPattern =
      kind === 'patterns'
        ? (value as string[]).find((p) => p !== 'none' && !(BUILT_IN_PATTERNS as readonly string[]).includes(p))
        : undefined;
    if (unknownPattern !== undefined) {
      throw new AgentConfigError(
        `${where(path, name)}: "${unknownPattern}" is not a built-in pattern; use ${BUILT_IN_PATTERNS.join(', ')} or none (own regular expressions go in redact.regexes)`,
      );
    }
    if (kind === 'regexes') for (const source of value as string[]) checkRegex(path, name, source);
    if (kind === 'outputs') checkOutputs(`${where(path, name)}`, value);
    if (kind === 'directory' && !(typeof value === 'string' && value.trim() !== ''))
      throw new AgentConfigError(`${where(path, name)} must be a directory path, or "off"`);
    if (kind === 'boolean' && typeof value !== 'boolean') throw new AgentConfigError(`${where(path, name)} must be true or false`);
    if ((kind === 'count' || kind === 'bytes') && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new AgentConfigError(`${where(path, name)} must be a positive integer`);
    }
    if (kind === 'bytes' && (value as number) < MIN_CAPTURE_BYTES) {
      throw new AgentConfigError(
        `${where(path, name)}: ${value as number} bytes cannot hold a useful capture; use at least ${MIN_CAPTURE_BYTES}`,
      );
    }
    if (kind === 'limit' && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new AgentConfigError(`${where(path, name)} must be a number, 0 or more (0 turns the limit off)`);
    }
  }
}

/** Matched globally and case-insensitively against every string shown, as the main thread will. */
function checkRegex(path: string, name: string, source: string): void {
  try {
    new RegExp(source, 'gi');
  } catch (err) {
    throw new AgentConfigError(`${where(path, name)}: ${JSON.stringify(source)} is not a valid regular expression (${errorMessage(err)})`);
  }
}

/** `"redact", "block", … or "prepare"`. */
function sectionNames(last: string): string {
  const names = Object.keys(SECTIONS).map((name) => `"${name}"`);
  return `${names.slice(0, -1).join(', ')} ${last} ${names.at(-1)!}`;
}

function where(path: string, field: string): string {
  return `LIVEPROBE_CONFIG: ${path}: \`${field}\``;
}

function isSection(name: string): name is keyof ConfigFile {
  return Object.hasOwn(SECTIONS, name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty list of otel, live, console, logger; `where` names the setting in the error. */
export function checkOutputs(where: string, value: unknown): void {
  const names: readonly string[] = LOG_OUTPUT_NAMES;
  if (!(Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && names.includes(v)))) {
    throw new AgentConfigError(`${where} must list one or more of ${LOG_OUTPUT_NAMES.join(', ')}, e.g. ["otel", "live", "console"]`);
  }
}
