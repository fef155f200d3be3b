/**
 * The optional JSON file named by LIVEPROBE_CONFIG: the same settings as the LIVEPROBE_*
 * variables, for lists too long or too structured for the environment.
 *
 *   { "redact": { "keys": ["customer_ref"], "patterns": ["card", "email"], "regexes": ["ACCT-\\d{8}"] },
 *     "block": { "files": ["src/auth/**"], "functions": ["hashPassword"], "variables": ["dbConfig"] },
 *     "capture": { "depth": 4, "totalBytes": 32768 } }
 */
import { readFileSync } from 'node:fs';
import { AgentConfigError } from './config-error.js';

export interface ConfigFile {
  redact?: { keys?: string[]; patterns?: string[]; regexes?: string[]; emails?: boolean };
  block?: { files?: string[]; functions?: string[]; variables?: string[] };
  capture?: { depth?: number; properties?: number; items?: number; stringLength?: number; totalBytes?: number };
}

const SECTIONS: Record<keyof ConfigFile, Record<string, 'strings' | 'boolean' | 'count'>> = {
  redact: { keys: 'strings', patterns: 'strings', regexes: 'strings', emails: 'boolean' },
  block: { files: 'strings', functions: 'strings', variables: 'strings' },
  capture: { depth: 'count', properties: 'count', items: 'count', stringLength: 'count', totalBytes: 'count' },
};

export function readConfigFile(path: string): ConfigFile {
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
  return validate(parsed, path);
}

function validate(value: unknown, path: string): ConfigFile {
  const where = (field: string): string => `LIVEPROBE_CONFIG: ${path}: \`${field}\``;
  if (!isRecord(value)) throw new AgentConfigError(`LIVEPROBE_CONFIG: ${path} must hold a JSON object with "redact", "block" and/or "capture"`);
  for (const [section, body] of Object.entries(value)) {
    const fields = Object.hasOwn(SECTIONS, section) ? SECTIONS[section as keyof ConfigFile] : undefined;
    if (fields === undefined) throw new AgentConfigError(`${where(section)} is not a setting; use "redact", "block" or "capture"`);
    if (!isRecord(body)) throw new AgentConfigError(`${where(section)} must be an object`);
    for (const [field, fieldValue] of Object.entries(body)) {
      const kind = Object.hasOwn(fields, field) ? fields[field] : undefined;
      const name = `${section}.${field}`;
      if (kind === undefined) throw new AgentConfigError(`${where(name)} is not a setting; use one of ${Object.keys(fields).map((f) => `${section}.${f}`).join(', ')}`);
      if (kind === 'strings' && !(Array.isArray(fieldValue) && fieldValue.every((v) => typeof v === 'string'))) {
        throw new AgentConfigError(`${where(name)} must be an array of strings`);
      }
      if (kind === 'boolean' && typeof fieldValue !== 'boolean') throw new AgentConfigError(`${where(name)} must be true or false`);
      if (kind === 'count' && !(Number.isInteger(fieldValue) && (fieldValue as number) > 0)) {
        throw new AgentConfigError(`${where(name)} must be a positive integer`);
      }
    }
  }
  return value as ConfigFile;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
