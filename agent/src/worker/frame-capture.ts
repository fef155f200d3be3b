/**
 * The exception watch's captures, frame by frame, while the app is paused on a thrown error: where
 * a paused frame is (its script, its line in the user's source, its function), what was thrown
 * (read without running the app's code), and a one-hit snapshot probe run in the frame, whose
 * values go through the same hook, serializer, redaction and quotas as a snapshot action's.
 */
import { defined } from '@liveprobe/protocol/util';
import type { ExceptionAction } from '@liveprobe/protocol';
import type { ArmProbe, HookChannel } from '../bridge.js';
import { armFields } from '../locate/arm-spec.js';
import { functionNameAt } from '../locate/function-name.js';
import { scriptPath } from '../locate/script-match.js';
import { type AnalysedSource, analyseSource, offsetOf } from '../locate/source-analysis.js';
import type { ScriptSourceMap } from '../locate/source-maps.js';
import type { Paused, PausedFrame } from './cdp-transport.js';
import { conditionAt } from './condition-source.js';
import type { InspectorSession } from './inspector-session.js';
import type { LocationResolver } from './location-resolver.js';
import { DESCRIBE_THROWN, type Described, describePrimitive } from './thrown-error.js';

/** A frame of the paused stack, placed in its script and in the user's source. */
export interface Site {
  frame: PausedFrame;
  analysed: AnalysedSource | undefined;
  offset: number;
  /** The generated script's path and 1-based line, and its source map (a minifier's renamed locals are read through its names). */
  path: string;
  map: ScriptSourceMap | undefined;
  line: number;
  /** After source maps. */
  file: string;
  originalLine: number;
  functionName: string | undefined;
}

export class FrameCapture {
  private readonly analyses = new Map<string, AnalysedSource | undefined>();

  constructor(
    private readonly session: InspectorSession,
    private readonly hook: HookChannel,
    private readonly locations: LocationResolver,
  ) {}

  /** The session closed: script ids mean nothing any more. */
  forget(): void {
    this.analyses.clear();
  }

  async describe(data: NonNullable<Paused['data']>): Promise<Described> {
    if (data.objectId === undefined) return describePrimitive(data);
    const result = (await this.session.callOn(data.objectId, DESCRIBE_THROWN)) as Described | undefined;
    return result ?? describePrimitive(data);
  }

  async site(frame: PausedFrame): Promise<Site> {
    const analysed = await this.analysis(frame.location.scriptId);
    const line = frame.location.lineNumber + 1;
    const column = frame.location.columnNumber ?? 0;
    const offset = analysed === undefined ? 0 : offsetOf(analysed, line, column);
    const path = this.session.scriptById(frame.location.scriptId)?.path ?? scriptPath(frame.url) ?? frame.url;
    const original = await this.locations.original(path, line, column);
    const map = await this.locations.mapFor(path);
    const functionName = (analysed === undefined ? undefined : functionNameAt(analysed, offset, map)) ?? (frame.functionName || undefined);
    return { frame, analysed, offset, path, map, line, file: original?.file ?? path, originalLine: original?.line ?? line, functionName };
  }

  /** Arms a one-hit snapshot probe at `site` and runs its condition in that frame, then disarms it. */
  async evaluate(action: ExceptionAction, key: number, site: Site, extra: Pick<ArmProbe, 'exception' | 'callerOf'>): Promise<void> {
    const { usesThis, ...fields } = armFields(
      { ...action, type: 'snapshot', watches: [], file: site.path, line: site.line },
      site.analysed,
      site.offset,
      undefined,
      site.map,
      // A caller keeps every outer name (scope-plan.ts): the throw site is the frame bounded for a bundle.
      extra.callerOf === undefined ? 'used' : 'all',
    );
    this.hook.postMessage({
      t: 'arm',
      key,
      actionId: action.id,
      ...fields,
      maxHits: 1,
      expiresAt: Date.parse(action.expiresAt),
      file: site.file,
      line: site.originalLine,
      ...defined({ functionName: site.functionName }),
      ...extra,
    });
    try {
      // The hook reads the arm message off its port synchronously: the main thread is paused.
      await this.session.evaluateOn(
        site.frame.callFrameId,
        conditionAt(key, { roots: fields.roots, usesThis }, site.analysed, site.offset, site.map),
      );
    } finally {
      this.hook.postMessage({ t: 'disarm', key });
    }
  }

  private async analysis(scriptId: string): Promise<AnalysedSource | undefined> {
    if (!this.analyses.has(scriptId)) {
      const source = await this.session.sourceById(scriptId);
      this.analyses.set(scriptId, analyseSource(source));
    }
    return this.analyses.get(scriptId);
  }
}
