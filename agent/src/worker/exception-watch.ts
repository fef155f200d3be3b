/**
 * Exception actions (install path 1): a second inspector session on the main thread, apart from
 * the probe engine's, open only while an exception action is desired. It pauses the app only
 * where V8 predicts an error will not be caught (`Debugger.setPauseOnExceptions` 'uncaught'),
 * resumes any other pause at once, and checks the actions' filters and the per-stack rate before
 * capturing anything. A capture arms a one-hit snapshot probe for the throw site and evaluates
 * its condition in the throwing frame: the values go through the same hook, serializer,
 * redaction and quotas as a snapshot action's.
 */
import { defined, errorMessage } from '@liveprobe/protocol/util';
import type { ExceptionAction, ThrownError } from '@liveprobe/protocol';
import type { HookChannel } from '../bridge.js';
import { armFields } from '../locate/arm-spec.js';
import { functionNameAt } from '../locate/function-name.js';
import { readKindsAt } from '../locate/global-names.js';
import { scriptPath } from '../locate/script-match.js';
import { type AnalysedSource, analyseSource, offsetOf } from '../locate/source-analysis.js';
import type { CdpTransport, Paused, PausedFrame } from './cdp-transport.js';
import { conditionSource } from './condition-source.js';
import { fingerprint, StackRate, wants } from './exception-filter.js';
import { InspectorSession } from './inspector-session.js';
import { LocationResolver } from './location-resolver.js';
import type { StatusReport } from './probe-engine.js';
import { DESCRIBE_THROWN, type Described, describePrimitive } from './thrown-error.js';

/** One capture in flight: what the hit relay needs to publish its snapshot. */
export interface ExceptionHit {
  action: ExceptionAction;
  file?: string;
  line?: number;
  functionName?: string;
  thrown: ThrownError;
  stacktrace: string;
}

/** How long the app stays paused, at most, for its snapshot to be handed to the broker. */
const HANDOFF_WAIT_MS = 2000;

export class ExceptionWatch {
  private actions = new Map<string, { action: ExceptionAction; hits: number }>();
  private readonly session: InspectorSession;
  readonly locations: LocationResolver;
  private readonly rate = new StackRate();
  private readonly hits = new Map<number, ExceptionHit>();
  private readonly handoffs = new Map<number, () => void>();
  private readonly analyses = new Map<string, AnalysedSource | undefined>();
  private opening: Promise<void> | undefined;

  constructor(
    private readonly hook: HookChannel,
    private readonly report: (status: StatusReport) => void,
    transport: () => CdpTransport,
    /** Keys shared with the probe engine's, so the main thread never sees one twice. */
    private readonly nextKey: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.session = new InspectorSession(
      () => {},
      transport,
      (pause) => void this.paused(pause),
    );
    this.locations = new LocationResolver(this.session);
  }

  hitFor(key: number): ExceptionHit | undefined {
    return this.hits.get(key);
  }

  /** The hit relay published (or gave up on) the snapshot of `key`: the app may go on. */
  delivered(key: number): void {
    this.hits.delete(key);
    this.handoffs.get(key)?.();
  }

  async reconcile(desired: readonly ExceptionAction[]): Promise<void> {
    const before = this.actions;
    this.actions = new Map(desired.map((a) => [a.id, before.get(a.id) ?? { action: a, hits: 0 }]));
    for (const id of before.keys()) if (!this.actions.has(id)) this.rate.forget(id);
    if (this.actions.size === 0) return this.close();
    try {
      this.opening ??= this.open();
      await this.opening;
    } catch (err) {
      this.opening = undefined;
      for (const { action } of this.actions.values())
        this.report({ actionId: action.id, state: 'error', message: `could not watch for exceptions: ${(err as Error).message}` });
      return;
    }
    for (const action of desired) if (!before.has(action.id)) this.report({ actionId: action.id, state: 'installed' });
  }

  private async open(): Promise<void> {
    await this.session.open();
    if (!this.session.canPause) {
      this.session.close();
      throw new Error(
        'this target cannot be paused by the agent (a remote target attached over CDP); exception actions need the in-process agent',
      );
    }
    await this.session.pauseOnExceptions();
  }

  close(): void {
    this.opening = undefined;
    this.session.close();
    this.analyses.clear();
    for (const release of this.handoffs.values()) release();
  }

  private async paused(pause: Paused): Promise<void> {
    // The probe engine pauses before scripts run (script-start-pause.ts) and resumes when it has
    // placed its breakpoints: that pause is not this session's to end.
    if (pause.reason === 'instrumentation') return;
    try {
      if (pause.reason === 'exception' || pause.reason === 'promiseRejection') await this.capture(pause);
    } catch (err) {
      // A capture that fails must still let the app go on, and never throw into it.
      this.log(`could not capture the exception: ${errorMessage(err)}`);
    } finally {
      await this.session.resume().catch(() => {});
    }
  }

  private async capture(pause: Paused): Promise<void> {
    const frames = pause.callFrames ?? [];
    const top = frames[0];
    if (top === undefined || pause.data === undefined || this.actions.size === 0) return;
    const described = await this.describe(pause.data);
    const stack = fingerprint(frames);
    const now = Date.now();
    const chosen = [...this.actions.values()].find(
      (a) =>
        a.hits < a.action.maxHits &&
        now < Date.parse(a.action.expiresAt) &&
        wants(a.action, described) &&
        this.rate.take(a.action.id, stack, a.action.ratePerMinute, now),
    );
    if (chosen === undefined) return;
    chosen.hits++;
    const thrown: ThrownError = {
      type: described.types[0] ?? 'Error',
      message: described.message,
      causes: described.causes,
      ...(pause.reason === 'promiseRejection' ? { rejection: true } : {}),
    };
    await this.snapshot(chosen.action, top, thrown, pause.data.description ?? `${thrown.type}: ${thrown.message}`);
    if (chosen.hits >= chosen.action.maxHits) this.report({ actionId: chosen.action.id, state: 'hit_limit' });
  }

  private async describe(data: NonNullable<Paused['data']>): Promise<Described> {
    if (data.objectId === undefined) return describePrimitive(data);
    const result = (await this.session.callOn(data.objectId, DESCRIBE_THROWN)) as Described | undefined;
    return result ?? describePrimitive(data);
  }

  /** Arms a one-hit snapshot probe at the throw site and runs its condition in the throwing frame. */
  private async snapshot(action: ExceptionAction, frame: PausedFrame, thrown: ThrownError, stacktrace: string): Promise<void> {
    const analysed = await this.analysis(frame.location.scriptId);
    const line = frame.location.lineNumber + 1;
    const column = frame.location.columnNumber ?? 0;
    const offset = analysed === undefined ? 0 : offsetOf(analysed, line, column);
    const path = this.session.scriptById(frame.location.scriptId)?.path ?? scriptPath(frame.url) ?? frame.url;
    const original = await this.locations.original(path, line, column);
    const functionName = (analysed === undefined ? undefined : functionNameAt(analysed, offset)) ?? (frame.functionName || undefined);
    const { usesThis, ...fields } = armFields({ ...action, type: 'snapshot', watches: [], file: path, line }, analysed, offset);
    const key = this.nextKey();
    const hit: ExceptionHit = {
      action,
      file: original?.file ?? path,
      line: original?.line ?? line,
      ...defined({ functionName }),
      thrown,
      stacktrace,
    };
    this.hits.set(key, hit);
    this.hook.postMessage({
      t: 'arm',
      key,
      actionId: action.id,
      ...fields,
      maxHits: 1,
      expiresAt: Date.parse(action.expiresAt),
      file: hit.file!,
      line: hit.line!,
      ...defined({ functionName }),
      exception: { 'exception.type': thrown.type, 'exception.message': thrown.message, 'exception.stacktrace': stacktrace },
    });
    const handedOff = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, HANDOFF_WAIT_MS);
      this.handoffs.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      // The hook reads the arm message off its port synchronously: the main thread is paused.
      await this.session.evaluateOn(
        frame.callFrameId,
        conditionSource(key, fields.roots, usesThis, readKindsAt(analysed, offset, fields.roots)),
      );
      await handedOff;
    } finally {
      this.handoffs.delete(key);
      this.hits.delete(key);
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
