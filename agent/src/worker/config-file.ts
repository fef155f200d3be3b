/**
 * The optional JSON file named by LIVEPROBE_CONFIG: the same settings as the LIVEPROBE_*
 * variables, for lists too long or too structured for the environment.
 *
 *   { "redact": { "keys": ["customer_ref"], "patterns": ["card", "email"], "regexes": ["ACCT-\\d{8}"] },
 *     "block": { "files": ["src/auth/**"], "functions": ["hashPassword"], "variables": ["dbConfig"] },
 *     "capture": { "depth": 4, "totalBytes": 32768 },
 *     "prepare": { "files": ["dist/**"], "cache": "off" } }
 *
 * Light on purpose (no zod): the app's main thread reads `prepare` at start-up, before the
 * worker exists, and owns that section; the worker checks the others.
 */
import { readFileSync } from 'node:fs';
import { AgentConfigError } from './config-error.js';

export interface ConfigFile {
  redact?: { keys?: string[]; patterns?: string[]; regexes?: string[]; emails?: boolean };
  block?: { files?: string[]; functions?: string[]; variables?: string[] };
  capture?: { depth?: number; properties?: number; items?: number; stringLength?: number; totalBytes?: number };
  /** Globs as in LIVEPROBE_PREPARE (relative to the working directory), and LIVEPROBE_PREPARE_CACHE. */
  prepare?: { files?: string[]; cache?: string };
}

type FieldKind = 'strings' | 'directory' | 'boolean' | 'count';

const SECTIONS: Record<keyof ConfigFile, Record<string, FieldKind>> = {
  redact: { keys: 'strings', patterns: 'strings', regexes: 'strings', emails: 'boolean' },
  block: { files: 'strings', functions: 'strings', variables: 'strings' },
  capture: { depth: 'count', properties: 'count', items: 'count', stringLength: 'count', totalBytes: 'count' },
  prepare: { files: 'strings', cache: 'directory' },
};

/**
 * The worker's settings. `prepare` is left to readPrepareSection: a mistake there turns
 * preparing off, not the whole agent.
 */
export function readConfigFile(path: string): Omit<ConfigFile, 'prepare'> {
  const file = readObject(path);
  for (const [section, body] of Object.entries(file)) {
    if (!isSection(section)) throw new AgentConfigError(`${where(path, section)} is not a setting; use "redact", "block", "capture" or "prepare"`);
    if (section !== 'prepare') checkSection(path, section, body);
  }
  const { prepare: _, ...settings } = file as ConfigFile;
  return settings;
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
    throw new AgentConfigError(`LIVEPROBE_CONFIG: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); fix the path or unset the variable`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(`LIVEPROBE_CONFIG: ${path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(parsed)) throw new AgentConfigError(`LIVEPROBE_CONFIG: ${path} must hold a JSON object with "redact", "block", "capture" and/or "prepare"`);
  return parsed;
}

function checkSection(path: string, section: keyof ConfigFile, body: unknown): void {
  const fields = SECTIONS[section];
  if (!isRecord(body)) throw new AgentConfigError(`${where(path, section)} must be an object`);
  for (const [field, value] of Object.entries(body)) {
    const kind = Object.hasOwn(fields, field) ? fields[field] : undefined;
    const name = `${section}.${field}`;
    if (kind === undefined) throw new AgentConfigError(`${where(path, name)} is not a setting; use one of ${Object.keys(fields).map((f) => `${section}.${f}`).join(', ')}`);
    if (kind === 'strings' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      throw new AgentConfigError(`${where(path, name)} must be an array of strings`);
    }
    if (kind === 'directory' && !(typeof value === 'string' && value.trim() !== '')) throw new AgentConfigError(`${where(path, name)} must be a directory path, or "off"`);
    if (kind === 'boolean' && typeof value !== 'boolean') throw new AgentConfigError(`${where(path, name)} must be true or false`);
    if (kind === 'count' && !(Number.isInteger(value) && (value as number) > 0)) {
      throw new AgentConfigError(`${where(path, name)} must be a positive integer`);
    }
  }
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
