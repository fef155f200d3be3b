/**
 * Messages between the app's main thread and the agent's worker. Plain objects only: the
 * main thread never loads zod or the protocol package (ARCHITECTURE §8: start-up cost).
 */
import type { Expr, LogLevel, TemplatePart } from '@liveprobe/protocol';

/** Symbol under which the main thread exposes the hook that breakpoint conditions call. */
export const HOOK_KEY = 'liveprobe.hook';

/** worker → main: arm a probe before its breakpoint is set, so the first hit counts. */
export interface ArmProbe {
  t: 'arm';
  key: number;
  actionId: string;
  level: LogLevel;
  roots: string[];
  condition?: Expr;
  conditionSource?: string;
  template: TemplatePart[];
  maxHits: number;
  expiresAt: number;
  /** The resolved script path and line, for `code.*` attributes. */
  file: string;
  line: number;
  functionName?: string;
}

/** worker → main: forget a probe (its breakpoint is already gone). */
export interface DisarmProbe {
  t: 'disarm';
  key: number;
}

/** worker → main, first message: who this agent is, for the attributes of every record. */
export interface Init {
  t: 'init';
  agentId: string;
}

export type ToMain = Init | ArmProbe | DisarmProbe;

/** main → worker: one hit's formatted output. */
export interface HitOutput {
  t: 'out';
  key: number;
  time: number;
  message: string;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
  /** True when the record already went to the app's own OpenTelemetry SDK. */
  emitted: boolean;
}

/** main → worker: the probe reached maxHits or its expiry; remove its breakpoint. */
export interface ProbeDone {
  t: 'done';
  key: number;
  reason: 'hit_limit' | 'expired';
}

/** main → worker: an expression failed at a hit (already rate-limited on the main thread). */
export interface ProbeEvalError {
  t: 'eval-error';
  key: number;
  message: string;
  count: number;
}

/** main → worker: the process is exiting; close the inspector session now. */
export interface Exiting {
  t: 'exit';
}

export type ToWorker = HitOutput | ProbeDone | ProbeEvalError | Exiting;

/**
 * Shared with the worker: 1 while its inspector session is open. Node prints "Waiting for
 * the debugger to disconnect..." when a process exits with a session open, so the main
 * thread asks the worker to close it and waits (bounded) on this flag.
 */
export interface WorkerData {
  port: import('node:worker_threads').MessagePort;
  sessionOpen: Int32Array;
}
