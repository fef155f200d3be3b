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

  constructor(private readonly port: MessagePort) {
    port.on('message', (message: PreparedToWorker) => {
      if (message.t !== 'file') return;
      const path = scriptPath(message.path) ?? message.path;
      this.files.set(path, { index: message.file, path, sites: siteEntries(message.sites), ...(message.sourceMappingURL === undefined ? {} : { sourceMappingURL: message.sourceMappingURL }) });
    });
    port.unref();
  }

  /**
   * Installs the action on a prepared site when its line has one. Returns undefined when it
   * does not (the caller uses a breakpoint). Throws what armFields and the blocklist throw.
   */
  async install(action: Action, key: number, ctx: PreparedInstallContext): Promise<PreparedPlacement | undefined> {
    if (!SINGLE_SITE.has(action.type) || this.files.size === 0) return undefined;
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
    const analysed = this.analysis(known.path);
    const offset = analysed === undefined ? 0 : offsetOf(analysed, first.line, first.column);
    // A prepared site always passes `this` (undefined in arrows), so `usesThis` is not needed.
    const { usesThis: _, ...fields } = armFields(action, analysed, offset);
    const functionName = analysed === undefined ? undefined : functionNameAt(analysed, offset);
    ctx.blocklist.check({ files: [action.file, known.path], functionName, expressions: armedExpressions(fields) });
    // Attributes and status name the user's source: through the map when there is one.
    const shown = map === undefined ? { file: known.path, line: first.line } : { file: match.path, line: map.originalFor(first.line, first.column)?.line ?? action.line };
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
