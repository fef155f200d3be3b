/**
 * Which files the agent prepares, read once at start-up: `LIVEPROBE_PREPARE` globs (relative to
 * the working directory or absolute, `!` excludes; files under `node_modules` only when a pattern
 * names `node_modules`) and `LIVEPROBE_PREPARE_CACHE` (a directory, or `off`).
 */
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { globToRegExp, normalizePath } from '../worker/glob.js';

export interface PrepareSettings {
  include: { pattern: RegExp; namesNodeModules: boolean }[];
  exclude: RegExp[];
  /** undefined: no on-disk cache. */
  cacheDir: string | undefined;
  /** Files above this size are prepared with a warning (the transform costs 1–2 s per MB). */
  warnBytes: number;
}

export const WARN_BYTES = 1024 * 1024;

export function readPrepareSettings(env: NodeJS.ProcessEnv, cwd: string): PrepareSettings | undefined {
  const raw = env.LIVEPROBE_PREPARE?.trim();
  if (raw === undefined || raw === '') return undefined;
  const include: PrepareSettings['include'] = [];
  const exclude: RegExp[] = [];
  for (const item of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const negated = item.startsWith('!');
    const pattern = negated ? item.slice(1) : item;
    const absolute = globToRegExp(isAbsolute(pattern) ? pattern : join(cwd, pattern));
    if (negated) exclude.push(absolute);
    else include.push({ pattern: absolute, namesNodeModules: pattern.includes('node_modules') });
  }
  const cache = env.LIVEPROBE_PREPARE_CACHE?.trim();
  const cacheDir = cache === 'off' ? undefined : cache || join(tmpdir(), 'liveprobe-prepare-cache');
  return { include, exclude, cacheDir, warnBytes: WARN_BYTES };
}

export function shouldPrepare(settings: PrepareSettings, file: string): boolean {
  const path = normalizePath(file);
  if (!path.endsWith('.js') && !path.endsWith('.cjs') && !path.endsWith('.mjs')) return false;
  if (settings.exclude.some((p) => p.test(path))) return false;
  const dependency = path.includes('/node_modules/');
  return settings.include.some((i) => (!dependency || i.namesNodeModules) && i.pattern.test(path));
}
