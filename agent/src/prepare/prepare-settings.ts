/**
 * Which files the agent prepares, read once at start-up: `LIVEPROBE_PREPARE` globs (relative to
 * the working directory or absolute, `!` excludes; files under `node_modules` only when a pattern
 * names `node_modules`; `app` stands for the app's own files: every file outside `node_modules`) and `LIVEPROBE_PREPARE_CACHE` (a directory, or `off`). Each may instead
 * come from the `prepare` section of LIVEPROBE_CONFIG (`files`, `cache`); the environment wins.
 */
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readPrepareSection } from '../settings/config-file.js';
import { agentFileAmong } from '../locate/agent-files.js';
import { globToRegExp, normalizePath } from '../locate/glob.js';

export interface PrepareSettings {
  include: { pattern: RegExp; namesNodeModules: boolean }[];
  exclude: RegExp[];
  /** undefined: no on-disk cache. */
  cacheDir: string | undefined;
  /** Files above this size are prepared with a warning (the transform costs 0.6–1.1 s of CPU per MB). */
  warnBytes: number;
}

export const WARN_BYTES = 1024 * 1024;

/** The shorthand for the app's own files: everything outside `node_modules` (and never the agent's). */
export const APP = 'app';
const ANY_FILE = /^/;

/** Throws AgentConfigError for a mistake in the config file, naming the file and the field. */
export function readPrepareSettings(env: NodeJS.ProcessEnv, cwd: string): PrepareSettings | undefined {
  const file = env.LIVEPROBE_CONFIG?.trim() ? readPrepareSection(env.LIVEPROBE_CONFIG.trim()) : {};
  const globs = env.LIVEPROBE_PREPARE?.trim() ? env.LIVEPROBE_PREPARE.split(',') : (file.files ?? []);
  const include: PrepareSettings['include'] = [];
  const exclude: RegExp[] = [];
  for (const item of globs.map((p) => p.trim()).filter((p) => p !== '')) {
    if (item === APP) {
      include.push({ pattern: ANY_FILE, namesNodeModules: false });
      continue;
    }
    const negated = item.startsWith('!');
    const pattern = negated ? item.slice(1) : item;
    const absolute = globToRegExp(isAbsolute(pattern) ? pattern : join(cwd, pattern));
    if (negated) exclude.push(absolute);
    else include.push({ pattern: absolute, namesNodeModules: pattern.includes('node_modules') });
  }
  if (include.length === 0) return undefined;
  const cache = env.LIVEPROBE_PREPARE_CACHE?.trim() || file.cache?.trim();
  const cacheDir = cache === 'off' ? undefined : cache || join(tmpdir(), 'liveprobe-prepare-cache');
  return { include, exclude, cacheDir, warnBytes: WARN_BYTES };
}

export function shouldPrepare(settings: PrepareSettings, file: string): boolean {
  const path = normalizePath(file);
  if (!path.endsWith('.js') && !path.endsWith('.cjs') && !path.endsWith('.mjs')) return false;
  if (settings.exclude.some((p) => p.test(path))) return false;
  // The agent's own files never get probe sites, whatever the patterns say.
  if (agentFileAmong([path]) !== undefined) return false;
  const dependency = path.includes('/node_modules/');
  return settings.include.some((i) => (!dependency || i.namesNodeModules) && i.pattern.test(path));
}
