/**
 * The worker's view of prepared files (install path 2): which lines have a prepared site, and
 * installing an action there by arming the hook and flipping the site's flag over the
 * prepared-sites channel: no breakpoint, no inspector session.
 */
import { readFileSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import type { Action } from '@liveprobe/protocol';
import type { ToMain } from '../bridge.js';
import { armFields } from '../worker/arm-spec.js';
import { armedExpressions, type Blocklist } from '../worker/blocklist.js';
import { functionNameAt } from '../worker/function-name.js';
import { matchScript, scriptPath } from '../worker/script-match.js';
import { checkLineText } from '../worker/line-text.js';
import { analyseSource, offsetOf, type AnalysedSource } from '../worker/source-analysis.js';
import { loadSourceMap, type ScriptSourceMap } from '../worker/source-maps.js';
import { siteEntries, type SiteEntry } from './prepared-output.js';
import type { PreparedFlags, PreparedToWorker } from './prepared-messages.js';

interface KnownFile {
  index: number;
  /** Filesystem path (ESM URLs converted). */
  path: string;
  sites: SiteEntry[];
  sourceMappingURL?: string;
  /** Loaded on first use; undefined when the file has none or it cannot be read (then its lines use breakpoints). */
  map?: Promise<ScriptSourceMap | undefined>;
}

/** Where an action sits on a prepared file: what to flip on and off. */
export interface PreparedPlacement {
  file: number;
  key: number;
  roots: string[];
  sites: number[];
}

export interface PreparedInstallContext {
  blocklist: Blocklist;
  post(message: ToMain): void;
  installed(placement: PreparedPlacement, location: { file: string; line: number; functionName?: string }): void;
}

/** Action types that need one line; tic-toc and duration (entry and every exit) stay on breakpoints. */
const SINGLE_SITE = new Set<Action['type']>(['log', 'snapshot', 'counter', 'metric']);

export class PreparedSites {
  private readonly files = new Map<string, KnownFile>();
  private readonly analyses = new Map<string, AnalysedSource | undefined>();
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly port: MessagePort) {
    port.on('message', (message: PreparedToWorker) => {
      if (message.t !== 'file') return;
      const path = scriptPath(message.path) ?? message.path;
      this.files.set(path, { index: message.file, path, sites: siteEntries(message.sites), ...(message.sourceMappingURL === undefined ? {} : { sourceMappingURL: message.sourceMappingURL }) });
      for (const listener of this.listeners) listener();
    });
    port.unref();
  }

  /** Called whenever a prepared file loads (e.g. a lazy `import()` after its action arrived). */
  onFile(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Whether the action's line has a prepared site (no side effects). */
  async hasSite(action: Action): Promise<boolean> {
    return SINGLE_SITE.has(action.type) && (await this.locate(action)) !== undefined;
  }

  /**
   * Installs the action on a prepared site when its line has one. Returns undefined when it
   * does not (the caller uses a breakpoint). Throws what armFields, the blocklist and the
   * deployed-source check throw.
   */
  async install(action: Action, key: number, ctx: PreparedInstallContext): Promise<PreparedPlacement | undefined> {
    if (!SINGLE_SITE.has(action.type)) return undefined;
    const located = await this.locate(action);
    if (located === undefined) return undefined;
    const { known, map, path, first } = located;
    const analysed = this.analysis(known.path);
    if (action.lineText !== undefined && action.line > 0) {
      const script = { scriptId: `prepared:${known.index}`, url: known.path, path: known.path, endLine: known.sites.at(-1)?.line ?? 0 };
      await checkLineText(action.lineText, action.line, { script, map, generated: { line: first.line, column: first.column }, file: path, line: action.line }, analysed);
    }
    const offset = analysed === undefined ? 0 : offsetOf(analysed, first.line, first.column);
    // A prepared site always passes `this` (undefined in arrows), so `usesThis` is not needed.
    const { usesThis: _, ...fields } = armFields(action, analysed, offset);
    const functionName = analysed === undefined ? undefined : functionNameAt(analysed, offset);
    ctx.blocklist.check({ files: [action.file, known.path], functionName, expressions: armedExpressions(fields) });
    // Attributes and status name the user's source: through the map when there is one.
    const shown = map === undefined ? { file: known.path, line: first.line } : { file: path, line: map.originalFor(first.line, first.column)?.line ?? action.line };
    ctx.post({
      t: 'arm', key, actionId: action.id, ...fields,
      maxHits: action.maxHits, expiresAt: Date.parse(action.expiresAt),
      ...shown, ...(functionName === undefined ? {} : { functionName }),
    });
    const placement: PreparedPlacement = { file: known.index, key, roots: fields.roots, sites: [first.id] };
    this.set(placement, true);
    ctx.installed(placement, { ...shown, ...(functionName === undefined ? {} : { functionName }) });
    return placement;
  }

  /** The prepared file and first site for the action's `file:line`, or undefined. */
  private async locate(action: Action): Promise<{ known: KnownFile; map?: ScriptSourceMap; path: string; first: SiteEntry } | undefined> {
    if (this.files.size === 0) return undefined;
    // The user names the file as they see it: the generated .js, or a source its map names (.ts).
    const candidates = new Map<string, { known: KnownFile; map?: ScriptSourceMap }>();
    for (const known of this.files.values()) {
      candidates.set(known.path, { known });
      const map = await this.mapOf(known);
      for (const source of map?.sources() ?? []) if (!candidates.has(source)) candidates.set(source, { known, map });
    }
    const match = matchScript(action.file, candidates.keys());
    if (match.kind !== 'found') return undefined;
    const { known, map } = candidates.get(match.path)!;
    const line = map === undefined ? action.line : map.generatedFor(match.path, action.line)?.line;
    const onLine = known.sites.filter((s) => s.line === line);
    if (onLine.length === 0) return undefined;
    const first = onLine.reduce((a, b) => (b.column < a.column ? b : a));
    return { known, ...(map === undefined ? {} : { map }), path: match.path, first };
  }

  set(placement: PreparedPlacement, on: boolean): void {
    const message: PreparedFlags = { t: 'flags', ...placement, on };
    this.port.postMessage(message);
  }

  private mapOf(known: KnownFile): Promise<ScriptSourceMap | undefined> {
    if (known.sourceMappingURL === undefined) return Promise.resolve(undefined);
    known.map ??= loadSourceMap(known.path, known.sourceMappingURL).catch(() => undefined);
    return known.map;
  }

  /** The original file, for naming the function and planning snapshots (its lines are the prepared file's lines). */
  private analysis(path: string): AnalysedSource | undefined {
    if (!this.analyses.has(path)) {
      let source: string | undefined;
      try {
        source = readFileSync(path, 'utf8');
      } catch {
        source = undefined;
      }
      this.analyses.set(path, source === undefined ? undefined : analyseSource(source));
    }
    return this.analyses.get(path);
  }
}
