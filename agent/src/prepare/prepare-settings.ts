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
  include: IncludePattern[];
  exclude: RegExp[];
  /** undefined: no on-disk cache. */
  cacheDir: string | undefined;
  /** Files above this size are prepared with a warning (the transform costs 0.6–1.1 s of CPU per MB). */
  warnBytes: number;
}

export interface IncludePattern {
  pattern: RegExp;
  namesNodeModules: boolean;
  /** As the user wrote it, for the warning below. */
  text: string;
  /**
   * For a pattern that does not name node_modules: the files under node_modules it would reach
   * without that rule, itself or written relative to a package folder (`express/lib/*.js` for
   * Express's files). Removed once such a file loaded: the user hears of it once per pattern.
   */
  reach?: RegExp | undefined;
  /** Set once a TypeScript file it matches loaded: the user hears of it once per pattern. */
  typescriptTold?: boolean;
}

/**
 * A file a pattern reaches but does not prepare: one under node_modules that it would prepare if
 * it named node_modules, or a TypeScript file a loader (tsx, ts-node, Node's type stripping)
 * compiles as it loads, whose compiled code the agent never sees as a file.
 */
export type PatternMiss =
  | {
      kind: 'dependency';
      pattern: string;
      path: string;
      /** The pattern to write instead (or beside it). */
      fix: string;
    }
  | { kind: 'typescript'; pattern: string; path: string };

/** Says what the pattern left out and what to do: nothing else tells a user why those lines take breakpoints. */
export function patternMissWarning(miss: PatternMiss): string {
  if (miss.kind === 'typescript')
    return `prepare pattern "${miss.pattern}" does not prepare ${miss.path}: TypeScript compiled as it loads (tsx, ts-node, Node's type stripping) is not prepared, only .js, .cjs and .mjs files are (its lines take actions as breakpoints; to prepare the app, build it with tsc or a bundler and run \`liveprobe prepare\` on the output)`;
  return `prepare pattern "${miss.pattern}" does not prepare ${miss.path}: files under node_modules are prepared only by a pattern that names node_modules/ (to prepare them, add "${miss.fix}"; until then their lines take actions as breakpoints)`;
}

/** What TypeScript loaders compile: `.ts`, `.mts`, `.cts` and `.tsx`. */
const TYPESCRIPT = /\.[mc]?tsx?$/;

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
      include.push({ pattern: ANY_FILE, namesNodeModules: false, text: item });
      continue;
    }
    const negated = item.startsWith('!');
    const pattern = negated ? item.slice(1) : item;
    const absolute = globToRegExp(isAbsolute(pattern) ? pattern : join(cwd, pattern));
    if (negated) exclude.push(absolute);
    else if (pattern.includes('node_modules')) include.push({ pattern: absolute, namesNodeModules: true, text: pattern });
    else include.push({ pattern: absolute, namesNodeModules: false, text: pattern, reach: reachUnderNodeModules(pattern, absolute) });
  }
  if (include.length === 0) return undefined;
  const cache = env.LIVEPROBE_PREPARE_CACHE?.trim() || file.cache?.trim();
  const cacheDir = cache === 'off' ? undefined : cache || join(tmpdir(), 'liveprobe-prepare-cache');
  return { include, exclude, cacheDir, warnBytes: WARN_BYTES };
}

/**
 * `missed` hears of a file under node_modules that a pattern would have prepared had it named
 * node_modules, once per pattern; testing for it costs what matching an app's own file costs.
 */
export function shouldPrepare(settings: PrepareSettings, file: string, missed?: (miss: PatternMiss) => void): boolean {
  const path = normalizePath(file);
  if (!path.endsWith('.js') && !path.endsWith('.cjs') && !path.endsWith('.mjs')) {
    if (missed !== undefined && TYPESCRIPT.test(path)) missedTypeScript(settings, path, missed);
    return false;
  }
  if (settings.exclude.some((p) => p.test(path))) return false;
  // The agent's own files never get probe sites, whatever the patterns say.
  if (agentFileAmong([path]) !== undefined) return false;
  const dependency = path.includes('/node_modules/');
  if (!dependency) return settings.include.some((i) => i.pattern.test(path));
  if (settings.include.some((i) => i.namesNodeModules && i.pattern.test(path))) return true;
  if (missed !== undefined) {
    for (const i of settings.include) {
      if (i.reach === undefined || !i.reach.test(path)) continue;
      i.reach = undefined;
      missed({ kind: 'dependency', pattern: i.text, path, fix: fixFor(i.text, i.pattern, path) });
    }
  }
  return false;
}

/** Tells `missed` of the first TypeScript file each pattern of the app's own files matches. */
export function missedTypeScript(settings: PrepareSettings, path: string, missed: (miss: PatternMiss) => void): void {
  if (path.includes('/node_modules/') || settings.exclude.some((p) => p.test(path))) return;
  for (const i of settings.include) {
    if (i.namesNodeModules || i.typescriptTold === true || !i.pattern.test(path)) continue;
    i.typescriptTold = true;
    missed({ kind: 'typescript', pattern: i.text, path });
  }
}

/** Relative patterns may have meant a package's own folder; `./` and `../` ones name the app's folders. */
function reachUnderNodeModules(pattern: string, absolute: RegExp): RegExp {
  const relative = normalizePath(pattern);
  if (isAbsolute(pattern) || relative.startsWith('.')) return absolute;
  return new RegExp(`(?:${absolute.source})|(?:${globToRegExp(`node_modules/${relative}`).source})`);
}

/** The same pattern inside node_modules when that is how it reaches the file, else the file's package. */
function fixFor(text: string, absolute: RegExp, path: string): string {
  if (!absolute.test(path)) return `node_modules/${normalizePath(text)}`;
  const inside = path.slice(path.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/');
  const name = inside[0]!.startsWith('@') ? inside.slice(0, 2).join('/') : inside[0]!;
  return `node_modules/${name}/**`;
}
