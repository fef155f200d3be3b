/**
 * The main-thread side of a probe: breakpoint conditions call `hit`, which evaluates the
 * action's condition and template on the captured values, emits, and hands off to the worker.
 * Nothing here may throw into the application or keep its event loop alive.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { LogAttributes } from '@opentelemetry/api-logs';
import type { LogLevel } from '@liveprobe/protocol';
import type { ArmProbe, ToMain, ToWorker } from '../bridge.js';
import { activeSpanContext, type AppOtel } from './app-otel.js';
import { compileExpression, compileTemplate, NOT_AVAILABLE, type Compiled, type CompiledTemplate, type Frame } from './compile.js';

/** How often one probe may report evaluation errors; the rest are counted into the next report. */
const ERROR_REPORT_INTERVAL_MS = 5000;

interface ArmedProbe {
  key: number;
  level: LogLevel;
  condition: Compiled | undefined;
  conditionSource: string | undefined;
  format: CompiledTemplate;
  maxHits: number;
  expiresAt: number;
  hits: number;
  done: boolean;
  attributes: LogAttributes;
  pendingErrors: number;
  lastErrorReport: number;
  lastError: string;
}

export class ProbeHook {
  /** Breakpoint conditions put this in place of a variable V8 did not keep. */
  readonly NA = NOT_AVAILABLE;
  private readonly probes = new Map<number, ArmedProbe>();
  private agentId = '';

  constructor(
    private readonly port: MessagePort,
    private readonly otel: AppOtel,
  ) {
    port.on('message', (message: ToMain) => this.receive(message));
  }

  hit(key: number, values: unknown[], self: unknown): void {
    try {
      let probe = this.probes.get(key);
      if (probe === undefined) {
        // The worker arms a probe before setting its breakpoint; the message may still be queued.
        this.drain();
        probe = this.probes.get(key);
        if (probe === undefined) return;
      }
      if (probe.done) return;
      const now = Date.now();
      if (now >= probe.expiresAt) return this.finish(probe, 'expired');
      const frame: Frame = { values, self };
      if (probe.condition !== undefined) {
        let pass: unknown;
        try {
          pass = probe.condition(frame);
        } catch (err) {
          return this.evalError(probe, `condition \`${probe.conditionSource}\`: ${errorMessage(err)}`, now);
        }
        if (!pass) return;
      }
      probe.hits++;
      const message = probe.format(frame);
      const spanContext = activeSpanContext();
      const emitted = this.otel.emit(probe.level, message, probe.attributes);
      this.post({
        t: 'out', key, time: now, message, emitted,
        traceId: spanContext?.traceId, spanId: spanContext?.spanId, traceFlags: spanContext?.traceFlags,
      });
      if (probe.hits >= probe.maxHits) this.finish(probe, 'hit_limit');
    } catch {
      // The promise is that a probe never throws into the app; V8 would swallow it anyway.
    }
  }

  private finish(probe: ArmedProbe, reason: 'hit_limit' | 'expired'): void {
    probe.done = true;
    this.post({ t: 'done', key: probe.key, reason });
  }

  private evalError(probe: ArmedProbe, message: string, now: number): void {
    probe.pendingErrors++;
    probe.lastError = message;
    if (now - probe.lastErrorReport < ERROR_REPORT_INTERVAL_MS) return;
    this.post({ t: 'eval-error', key: probe.key, message, count: probe.pendingErrors });
    probe.pendingErrors = 0;
    probe.lastErrorReport = now;
  }

  private post(message: ToWorker): void {
    this.port.postMessage(message);
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      this.receive(m.message as ToMain);
    }
  }

  private receive(message: ToMain): void {
    switch (message.t) {
      case 'init':
        this.agentId = message.agentId;
        return;
      case 'arm':
        this.arm(message);
        return;
      case 'disarm':
        this.probes.delete(message.key);
        return;
    }
  }

  private arm(spec: ArmProbe): void {
    const probe: ArmedProbe = {
      key: spec.key,
      level: spec.level,
      condition: spec.condition === undefined ? undefined : compileExpression(spec.condition, spec.roots),
      conditionSource: spec.conditionSource,
      format: compileTemplate(spec.template, spec.roots, (message) => this.evalError(probe, message, Date.now())),
      maxHits: spec.maxHits,
      expiresAt: spec.expiresAt,
      hits: 0,
      done: false,
      attributes: {
        'code.file.path': spec.file,
        'code.line.number': spec.line,
        ...(spec.functionName === undefined ? {} : { 'code.function.name': spec.functionName }),
        'liveprobe.action.id': spec.actionId,
        'liveprobe.agent.id': this.agentId,
      },
      pendingErrors: 0,
      lastErrorReport: 0,
      lastError: '',
    };
    this.probes.set(spec.key, probe);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
