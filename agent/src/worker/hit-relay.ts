/**
 * What happens after a hit, off the app's thread: log records and snapshot spans go to
 * OpenTelemetry (when the app's own SDK did not take them), live output and snapshots to the
 * control plane, stacks are mapped back to the user's source.
 */
import { defined } from '@liveprobe/protocol/util';
import type { ActionStatusEvent, AgentEvent, AnyMetricAction, MetricReading, SnapshotEvent, StackFrame } from '@liveprobe/protocol';
import {
  type HitOutput,
  type MetricHit,
  type PackedLogs,
  type PreparedExceptionHit,
  SAMPLED_LIMITS,
  type SnapshotHit,
  type ToWorker,
} from '../bridge.js';
import { inFiles } from '../exception-filter.js';
import type { BrokerLink } from './broker-link.js';
import { CounterLines } from './counter-lines.js';
import { FrameNames } from './frame-names.js';
import { unpackLines } from './packed-lines.js';
import type { LiveOutput } from './live-output.js';
import type { NotExported } from './not-exported.js';
import { instrumentSpec, type OtelExport } from './otel-export.js';
import type { ExceptionHit, ExceptionWatch } from './exception-watch.js';
import type { Probe, ProbeEngine, StatusReport } from './probe-engine.js';
import { isoTime } from '../iso-time.js';

/** What a snapshot's publication needs to know about where it was taken. */
/** A generated position → the user's source, or undefined without a source map. */
type OriginalPosition = (path: string, line: number, column: number) => Promise<{ file: string; line: number; column: number } | undefined>;

type Site = Pick<Probe, 'action' | 'file' | 'line' | 'functionName'> & Partial<Pick<ExceptionHit, 'thrown' | 'stacktrace'>>;

const MAX_SUMMARY_LENGTH = 1000;

export class HitRelay {
  constructor(
    private readonly agentId: string,
    private readonly engine: ProbeEngine,
    private readonly exceptions: ExceptionWatch,
    private readonly live: LiveOutput,
    private readonly otel: OtelExport,
    private readonly link: BrokerLink,
    private readonly report: (status: StatusReport) => void,
    private readonly notExported: NotExported,
  ) {
    this.counterLines = new CounterLines(live);
    this.frameNames = new FrameNames((path, line, column) => engine.renamedFunctionAt(path, line, column));
  }

  private readonly frameNames: FrameNames;

  private readonly counterLines: CounterLines;
  /** Each log probe's record attributes, with where it was when they were built (see logAttributes). */
  private readonly logAttributesOf = new WeakMap<
    Probe,
    Pick<Probe, 'file' | 'line' | 'functionName'> & { attributes: Record<string, string | number> }
  >();
  /**
   * Each metric action's reading without its value (the line's `metric`), built on the action's
   * first hit rather than on each: a hot counter or histogram sends batches many times a second.
   * Keyed by the action itself, so a changed action gets its own and a removed one takes it along.
   */
  private readonly readingOf = new WeakMap<AnyMetricAction, Omit<MetricReading, 'value'>>();
  /**
   * Each counter action's hits reported so far, by its id (an edit keeps counting toward the
   * limit, as the hook's own count does): past its hit limit none are, and the hits that reach
   * it end the action. The main thread stops at the limit for the hits it counts itself, but not
   * for those its COUNT_IN_PLACE sites count (site-counts.ts), which only this sees.
   */
  private readonly countedOf = new Map<string, number>();
  /** Reads the hits `key`'s sites counted in the app since the last reading (SiteCounts.read), before a finish forgets them. */
  settleCounts: (key: number) => void = () => {};
  /** Prepared-path exception snapshots being published: an exiting app waits for them. */
  private readonly publishing = new Set<Promise<void>>();

  /** Resolves once every exception snapshot handed over so far is published (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.publishing]);
  }

  handle(message: Exclude<ToWorker, { t: 'exit' | 'settings-applied' | 'notice' | 'calibrated' | 'app-meter' | 'prepare-summary' }>): void {
    switch (message.t) {
      case 'logs':
        return this.unpackLogs(message);
      case 'counts':
        for (let i = 0; i < message.hits.length; i += 2) this.counted(message.hits[i]!, message.hits[i + 1]!);
        return;
      case 'values':
        for (let i = 0; i < message.hits.length; i += 2)
          this.metric({ key: message.hits[i]!, value: message.hits[i + 1]!, attributes: {} });
        return;
      case 'metric':
        return this.metric(message);
      case 'exception': {
        const publishing = this.preparedException(message);
        this.publishing.add(publishing);
        void publishing.finally(() => this.publishing.delete(publishing));
        return;
      }
      case 'sampled':
        for (let i = 0; i < message.hits.length; i += 3) {
          const probe = this.engine.probeFor(message.hits[i]!);
          const limit = SAMPLED_LIMITS[message.hits[i + 1]!];
          if (probe !== undefined) this.notExported.add(probe.action.id, 'sampled', message.hits[i + 2]!, limit);
        }
        return;
    }
    const probe = this.engine.probeFor(message.key);
    if (probe === undefined) {
      // An exception capture is a one-hit probe: only its snapshot matters; the watch counts hits.
      const hit = message.t === 'snap' ? this.exceptions.hitFor(message.key) : undefined;
      if (hit !== undefined && message.t === 'snap')
        void this.snapshot(hit, message, (path, line, column) => this.exceptions.locations.original(path, line, column)).finally(() =>
          this.exceptions.delivered(message.key),
        );
      return;
    }
    switch (message.t) {
      case 'snap':
        void this.snapshot(probe, message);
        return;
      case 'paused':
        void this.engine.pause(message.key, message.reason, message.cycle);
        return;
      case 'done':
        this.settleCounts(message.key);
        return this.finish(probe, message.key, message.reason);
      case 'eval-error':
        this.report({
          actionId: probe.action.id,
          state: 'error',
          message: `${message.message}${message.count > 1 ? ` (${message.count} times since the last report)` : ''}`,
          ...(probe.file === undefined || probe.line === undefined ? {} : { location: { file: probe.file, line: probe.line } }),
        });
        return;
    }
  }

  /** An exception captured at a prepared file's exception site: its file globs are checked here, after source maps. */
  private async preparedException(message: PreparedExceptionHit): Promise<void> {
    const action = this.exceptions.preparedAction(message.actionId);
    if (action === undefined) return;
    const original: OriginalPosition = (path, line, column) => this.engine.originalPosition(path, line, column);
    const at = await original(message.file, message.line, (message.column ?? 1) - 1);
    const file = at?.file ?? message.file;
    if (!inFiles(action, file)) return;
    const frames =
      message.data.frames === undefined
        ? undefined
        : await Promise.all(
            message.data.frames.map(async (frame) => {
              // The caller's column, from the throw site's stack, where its line came from.
              const { file: path, line } = frame.location;
              const column = message.data.stack.find((f) => f.file === path && f.line === line)?.column ?? 1;
              const mapped = await original(path, line, column - 1);
              return mapped === undefined ? frame : { ...frame, location: { ...frame.location, file: mapped.file, line: mapped.line } };
            }),
          );
    const hit: ExceptionHit = {
      action,
      file,
      line: at?.line ?? message.line,
      thrown: message.thrown,
      stacktrace: message.stacktrace,
      ...defined({ functionName: message.functionName }),
    };
    const data = frames === undefined ? message.data : { ...message.data, frames };
    await this.snapshot(hit, { t: 'snap', key: -1, id: message.id, time: message.time, data, emitted: false }, original);
    this.exceptions.countPrepared(action.id);
  }

  private unpackLogs(message: PackedLogs): void {
    try {
      unpackLines(message, (hit) => {
        const probe = this.engine.probeFor(hit.key);
        if (probe !== undefined) this.output(probe, hit);
      });
    } finally {
      // The numbers were read: the main thread may write the next batch over them.
      if (message.release !== undefined) Atomics.store(message.release, 0, 0);
    }
  }

  /**
   * A counter's hits since the last batch or reading, as one point of value n: no more than its
   * hit limit leaves; the hits that reach it end the action.
   */
  counted(key: number, hits: number): void {
    const probe = this.engine.probeFor(key);
    if (probe === undefined) return;
    const { action } = probe;
    if (action.type !== 'counter') return this.metric({ key, value: hits, attributes: {} }, true);
    const before = this.countedOf.get(action.id) ?? 0;
    const left = action.maxHits - before;
    const value = Math.min(hits, left);
    if (value <= 0) return;
    this.countedOf.set(action.id, before + value);
    this.metric({ key, value, attributes: {} }, true);
    if (value === left) this.finish(probe, key, 'hit_limit');
  }

  /** The probe of `key` ended: what it counted goes out, then the engine ends the action. */
  private finish(probe: Probe, key: number, reason: 'hit_limit' | 'expired'): void {
    this.counterLines.flush(probe.action.id);
    this.live.forget(probe.action.id);
    this.notExported.forget(probe.action.id);
    void this.engine.finish(key, reason);
  }

  /** The action ended (removed, expired, at its hit limit): an edit that brings it back counts from 0, as the hook does. */
  forget(actionId: string): void {
    this.countedOf.delete(actionId);
  }

  /** `counted`: a counter's hits since the last batch, as one point of value n. */
  private metric(message: Omit<MetricHit, 't'>, counted = false): void {
    const probe = this.engine.probeFor(message.key);
    if (probe === undefined) return;
    const { action } = probe;
    if (action.type === 'log' || action.type === 'snapshot' || action.type === 'exception') return;
    const { 'liveprobe.agent.id': _agent, ...attributes } = this.attributes(probe);
    this.otel.record({ action, value: message.value, attributes: { ...attributes, ...message.attributes } });
    const line = {
      kind: 'output',
      agentId: this.agentId,
      actionId: action.id,
      level: 'info',
      file: probe.file ?? action.file,
      line: probe.line ?? action.line,
    } as const;
    const reading = this.reading(action);
    if (counted) return this.counterLines.add({ ...line, metric: reading }, message.value);
    const attributed = Object.keys(message.attributes).length > 0;
    this.live.send({
      ...line,
      time: isoTime(Date.now()),
      message: `${action.name} ${action.type === 'counter' ? '+' : ''}${message.value}${attributed ? ` ${JSON.stringify(message.attributes)}` : ''}`,
      metric: { ...reading, value: message.value, ...(attributed ? { attributes: message.attributes } : {}) },
    });
  }

  private reading(action: AnyMetricAction): Omit<MetricReading, 'value'> {
    let reading = this.readingOf.get(action);
    if (reading === undefined) {
      const { kind, unit } = instrumentSpec(action);
      reading = { type: action.type, name: action.name, instrument: kind, ...defined({ unit }) };
      this.readingOf.set(action, reading);
    }
    return reading;
  }

  private attributes(probe: Site): Record<string, string | number> {
    return {
      ...(probe.thrown === undefined
        ? {}
        : {
            'exception.type': probe.thrown.type,
            'exception.message': probe.thrown.message,
            'exception.stacktrace': probe.stacktrace ?? '',
          }),
      'code.file.path': probe.file ?? probe.action.file,
      'code.line.number': probe.line ?? probe.action.line,
      ...(probe.functionName === undefined ? {} : { 'code.function.name': probe.functionName }),
      'liveprobe.action.id': probe.action.id,
      'liveprobe.agent.id': this.agentId,
    };
  }

  /**
   * A log action's record attributes, built once per probe and shared by its records (the
   * exporter keeps them as they are): a record of a hot line costs no object of its own for them.
   */
  private logAttributes(probe: Probe): Record<string, string | number> {
    const cached = this.logAttributesOf.get(probe);
    if (cached !== undefined && cached.file === probe.file && cached.line === probe.line && cached.functionName === probe.functionName)
      return cached.attributes;
    const attributes = Object.freeze(this.attributes(probe));
    this.logAttributesOf.set(probe, { file: probe.file, line: probe.line, functionName: probe.functionName, attributes });
    return attributes;
  }

  private output(probe: Probe, message: HitOutput): void {
    const { action } = probe;
    if (action.type !== 'log') return;
    if (!message.emitted && !this.otel.emit(action.level, message.message, message.time, this.logAttributes(probe), message))
      this.notExported.add(action.id, 'export_queue_full', 1);
    if (message.live) this.live.sendMade(action.id, this.liveLine, message);
  }

  /** A log hit's live event, made only for a line within the live rate (LiveOutput.sendMade). */
  private readonly liveLine = (hit: HitOutput): Extract<AgentEvent, { kind: 'output' }> => {
    // Looked up again rather than captured: no closure per hit. output() found it a moment ago.
    const probe = this.engine.probeFor(hit.key)!;
    const { action } = probe;
    return {
      kind: 'output',
      agentId: this.agentId,
      time: isoTime(hit.time),
      actionId: action.id,
      level: action.type === 'log' ? action.level : 'info',
      message: hit.message,
      file: probe.file ?? action.file,
      line: probe.line ?? action.line,
      ...defined({ traceId: hit.traceId, spanId: hit.spanId }),
    };
  };

  private async snapshot(
    probe: Site,
    message: SnapshotHit,
    original: OriginalPosition = (path, line, column) => this.engine.originalPosition(path, line, column),
  ): Promise<void> {
    const { data } = message;
    const stack = await Promise.all(data.stack.map((frame) => this.mapFrame(frame, original)));
    const location = {
      file: probe.file ?? probe.action.file,
      line: probe.line ?? probe.action.line,
      ...defined({ function: probe.functionName }),
    };
    if (!message.emitted) {
      const summary = JSON.stringify(data.arguments.concat(data.locals).map((v) => [v.name, v.value]));
      this.otel.emitSpan({
        name: probe.thrown === undefined ? `snapshot ${location.file}:${location.line}` : `exception ${probe.thrown.type}`,
        time: message.time,
        traceId: data.traceId,
        spanId: data.spanId,
        attributes: {
          ...this.attributes(probe),
          'liveprobe.snapshot.id': message.id,
          'liveprobe.snapshot.stall_ms': data.stallMs,
          'liveprobe.snapshot.summary': summary.length > MAX_SUMMARY_LENGTH ? `${summary.slice(0, MAX_SUMMARY_LENGTH)}…` : summary,
        },
      });
    }
    const event: SnapshotEvent = {
      kind: 'snapshot',
      id: message.id,
      agentId: this.agentId,
      actionId: probe.action.id,
      time: isoTime(message.time),
      snapshot: { ...data, stack, location, ...defined({ exception: probe.thrown }) },
    };
    if (!this.link.publishEvent(event)) {
      const status: Omit<ActionStatusEvent, 'kind' | 'agentId' | 'time'> = {
        actionId: probe.action.id,
        state: 'error',
        message: `snapshot ${message.id} was captured but the broker was unreachable; it went to OpenTelemetry only`,
        // With its location: the action is installed, the failure is at a hit.
        ...(probe.file === undefined || probe.line === undefined ? {} : { location: { file: probe.file, line: probe.line } }),
      };
      this.report(status);
    }
  }

  /** Generated positions and function names → the user's source, when the script has a source map. */
  private async mapFrame(frame: StackFrame, original: OriginalPosition): Promise<StackFrame> {
    const [position, named] = await Promise.all([original(frame.file, frame.line, frame.column - 1), this.frameNames.named(frame)]);
    return position === undefined ? named : { ...named, file: position.file, line: position.line, column: position.column + 1 };
  }
}
