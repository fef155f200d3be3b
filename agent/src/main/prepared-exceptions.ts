/**
 * Exception actions on prepared files (install path 2): the exception sites of prepared code
 * (prepare/exception-sites.ts) call here, on the app's thread, with no inspector and no pause.
 *
 * The first site that sees an error is its throw site: a `throw` statement (with every binding
 * in scope there) or the `catch` around the innermost prepared function it leaves. The action's
 * type and message filters and its rate per stack decide there whether to capture; the capture
 * goes through the same serializer, redaction and byte budget as a snapshot's, and is held in the
 * same registry as the breakpoint path's, keyed by the error: each further prepared frame the
 * error leaves adds itself as a caller, up to the action's `frames`. It is published when the
 * error is uncaught (`uncaughtExceptionMonitor`, which an unhandled rejection also reaches under
 * Node's default `--unhandled-rejections=throw`) or reaches a framework's error handler; an error
 * the app catches and swallows gives nothing. The file globs are checked by the worker, after
 * source maps.
 */
import type { OuterFrame, StackFrame, ThrownError } from '@liveprobe/protocol';
import { fileURLToPath } from 'node:url';
import type { CapturedSnapshot, ExceptionArm, PreparedExceptionHit, SnapshotPlan } from '../bridge.js';
import { StackRate, wants } from '../exception-filter.js';
import { activeSpanContext } from './app-otel.js';
import type { TextOptions } from './compile.js';
import type { HeldCaptures } from './held-captures.js';
import { readLazily } from './site-slots.js';
import { captureSnapshot, captureStack, compileSnapshot } from './snapshot-capture.js';
import { describeThrown, isObject } from './thrown-summary.js';
import { dateNow, monotonicNow } from './builtins.js';
import { uniqueHex } from '../unique-id.js';

/** Keys of prepared captures in the held registry: apart from the worker's, which count up from 1. */
const FIRST_KEY = 0x4000_0000;
const KIND_NAMES = { a: 'argument', l: 'local', o: 'outer' } as const;

interface Open {
  arm: ExceptionArm;
  /** The throw site was a `throw` statement whose function's own `catch` comes next: not a caller. */
  ownCatchNext: boolean;
  file: string;
  data: CapturedSnapshot;
  callers: OuterFrame[];
  /** How far down the throw site's stack callers were found: each is looked for below the last. */
  stackIndex: number;
  described: ReturnType<typeof describeThrown>;
  at: { file: string; line: number; column?: number; function?: string };
  rejection: boolean;
}

/** A site's bindings, split as a snapshot shows them. */
interface Bindings {
  plan: SnapshotPlan;
  roots: string[];
  values: unknown[];
}

export class PreparedExceptions {
  /** `$lpX` of every prepared file: 1 while some exception action takes the prepared path. */
  readonly flag = new Uint8Array(1);
  private arms: ExceptionArm[] = [];
  private readonly open = new WeakMap<object, Open>();
  /** Errors already looked at and not wanted: outer frames pass them by. */
  private readonly passed = new WeakSet<object>();
  private readonly rate = new StackRate();
  private readonly counts = new Map<string, number>();
  private nextKey = FIRST_KEY;
  /** LIVEPROBE_PREPARE_FLAGS=all: every exception site records, with or without an action. */
  private always = false;
  private listening = false;

  constructor(
    private readonly held: HeldCaptures,
    private readonly text: () => TextOptions,
    private readonly agentDir: string,
    private readonly publish: (hit: PreparedExceptionHit) => void,
  ) {}

  /**
   * From the first action on: before Node prints an uncaught error and exits, the capture is
   * handed over. Not before, so a process the hook is injected into (`liveprobe attach`, a page
   * has no `process.on`) gets no listener of the agent's.
   */
  private listen(): void {
    if (this.listening || typeof process !== 'object' || typeof process.on !== 'function') return;
    this.listening = true;
    process.on('uncaughtExceptionMonitor', (error, origin) => this.uncaught(error, origin));
    this.followRejectionListeners();
  }

  /**
   * An app with an `unhandledRejection` listener never lets a rejection reach the monitor. A
   * listener of the agent's own would stop Node from ending the app on one, so the agent listens
   * only while the app does: whether a rejection crashes the app stays the app's choice.
   */
  private followRejectionListeners(): void {
    const onRejection = (reason: unknown): void => this.uncaught(reason, 'unhandledRejection');
    // The app may have added its listener before the first exception action.
    let listening = process.listenerCount('unhandledRejection') > 0;
    if (listening) process.on('unhandledRejection', onRejection);
    process.on('newListener', (event: string | symbol) => {
      if (event !== 'unhandledRejection' || listening) return;
      listening = true;
      process.on('unhandledRejection', onRejection);
    });
    process.on('removeListener', (event: string | symbol, listener: unknown) => {
      if (event !== 'unhandledRejection' || listener === onRejection || !listening) return;
      if (process.listenerCount('unhandledRejection') > 1) return;
      listening = false;
      process.off('unhandledRejection', onRejection);
    });
  }

  set(arms: ExceptionArm[]): void {
    this.arms = arms;
    for (const id of this.counts.keys()) if (!arms.some((a) => a.actionId === id)) this.counts.delete(id);
    this.flag[0] = arms.length > 0 || this.always ? 1 : 0;
    if (this.flag[0] === 1) this.listen();
  }

  alwaysOn(): void {
    this.always = true;
    this.flag[0] = 1;
    this.listen();
  }

  /**
   * An exception site ran with the flag on. `pass` is `[line, this, kinds, name, value, …]` from
   * `start` on; a throw statement's `kinds` starts with `+` when its function's `catch` follows.
   */
  seen(name: string, at: 'throw' | 'catch', error: unknown, pass: unknown[], start: number): void {
    // A primitive (`throw 'x'`) cannot be followed to where it is reported.
    if (!isObject(error)) return;
    // An ES module is named by its URL; stacks and the worker name files by path.
    const file = name.startsWith('file:') ? fileURLToPath(name) : name;
    const open = this.open.get(error);
    if (open !== undefined) return this.caller(open, file, at, pass, start);
    // Held by the breakpoint path already, or not wanted.
    if (this.passed.has(error) || this.held.keyOf(error) >= 0) return;
    const startedAt = monotonicNow();
    const now = dateNow();
    const described = describeThrown(error);
    const wanted = this.arms.filter((a) => now < a.expiresAt && (this.counts.get(a.actionId) ?? 0) < a.maxHits && wants(a, described));
    if (wanted.length === 0) return this.pass(error);
    // The stack first: over the rate for it, nothing is read or serialized.
    const stack = captureStack(this.agentDir);
    const fingerprint = stack
      .slice(0, 20)
      .map((f) => `${f.file}:${f.line}:${f.column}`)
      .join('|');
    const arm = wanted.find((a) => this.rate.take(a.actionId, fingerprint, a.ratePerMinute, now));
    if (arm === undefined) return this.pass(error);
    const data = this.capture(pass, start, startedAt, stack);
    const span = activeSpanContext();
    if (span !== undefined) {
      data.traceId = span.traceId;
      data.spanId = span.spanId;
    }
    const line = pass[start] as number;
    const top = data.stack[0];
    // A throw statement's frame is exact; a catch stands for its function, from its first line.
    const exact = at === 'throw' && top !== undefined && top.file === file && top.line === line;
    const site = exact ? { file, line, column: top.column, function: top.function } : { file, line };
    const captured: Open = {
      arm,
      ownCatchNext: at === 'throw' && (pass[start + 2] as string).startsWith('+'),
      file,
      data,
      callers: [],
      // The stack's first frame is the site's own function, at its throw or its catch.
      stackIndex: 1,
      described,
      at: site,
      rejection: false,
    };
    this.open.set(error, captured);
    this.held.hold(error, this.nextKey++, now, () => this.emit(captured));
  }

  /** Not wanted: outer frames pass it by, and a framework's error handler does not pause for it. */
  private pass(error: object): void {
    this.passed.add(error);
    this.held.see(error);
  }

  /** A prepared frame the error left after its throw site: a caller, up to the action's `frames`. */
  private caller(open: Open, file: string, at: 'throw' | 'catch', pass: unknown[], start: number): void {
    // A rethrow (`throw err` in the app's catch) is not a frame of its own.
    if (at === 'throw') return;
    if (open.ownCatchNext) {
      open.ownCatchNext = false;
      return;
    }
    if (open.callers.length >= open.arm.frames - 1) return;
    const data = this.capture(pass, start, monotonicNow());
    // Where this frame was when the error was thrown, from the throw site's stack; else its function's first line.
    const fnLine = pass[start] as number;
    const stack = open.data.stack;
    let index = open.stackIndex;
    while (index < stack.length && !(stack[index]!.file === file && stack[index]!.line >= fnLine)) index++;
    const frame = stack[index];
    if (frame !== undefined) open.stackIndex = index + 1;
    open.callers.push({
      location: frame === undefined ? { file, line: fnLine } : { file, line: frame.line, function: frame.function },
      arguments: data.arguments,
      locals: data.locals,
      scopes: data.scopes,
      ...(data.this === undefined ? {} : { this: data.this }),
    });
  }

  /** The site's values through the snapshot serializer, redaction and byte budget. */
  private capture(pass: unknown[], start: number, startedAt: number, stack?: StackFrame[]): CapturedSnapshot {
    const bindings = bindingsOf(pass, start);
    const text = this.text();
    const compiled = compileSnapshot(bindings.plan, [], bindings.roots, text);
    return captureSnapshot(compiled, { values: bindings.values, self: pass[start + 1] }, text, this.agentDir, startedAt, stack);
  }

  private uncaught(error: unknown, origin: string): void {
    try {
      const open = isObject(error) ? this.open.get(error) : undefined;
      if (open !== undefined) open.rejection = origin === 'unhandledRejection';
      this.held.release(error, dateNow());
    } catch {
      // The app's own crash must go on as it would without the agent.
    }
  }

  private emit(open: Open): void {
    const { described, data } = open;
    // Published snapshots count toward the hit limit; a capture whose error was swallowed does not.
    this.counts.set(open.arm.actionId, (this.counts.get(open.arm.actionId) ?? 0) + 1);
    const thrown: ThrownError = {
      type: described.types[0] ?? 'Error',
      message: described.message,
      causes: described.causes,
      ...(open.rejection ? { rejection: true } : {}),
    };
    const stacktrace = [
      `${thrown.type}: ${thrown.message}`,
      ...data.stack.map((f) => `    at ${f.function} (${f.file}:${f.line}:${f.column})`),
    ].join('\n');
    this.publish({
      t: 'exception',
      actionId: open.arm.actionId,
      id: `snap_${uniqueHex()}`,
      time: dateNow(),
      data: open.callers.length === 0 ? data : { ...data, frames: open.callers },
      thrown,
      stacktrace,
      file: open.at.file,
      line: open.at.line,
      ...(open.at.column === undefined ? {} : { column: open.at.column }),
      ...(open.at.function === undefined ? {} : { functionName: open.at.function }),
    });
  }
}

/** `[line, this, kinds, name, value, …]` from `start`: arguments, locals and outer bindings, by name. */
function bindingsOf(pass: unknown[], start: number): Bindings {
  const kinds = (pass[start + 2] as string).replace('+', '');
  const plan: SnapshotPlan = { arguments: [], locals: [], scopes: [] };
  const outer: string[] = [];
  const roots: string[] = [];
  const values: unknown[] = [];
  for (let i = start + 3, k = 0; i < pass.length; i += 2, k++) {
    const key = pass[i] as string;
    const lazy = key.startsWith('*');
    const name = lazy ? key.slice(1) : key;
    roots.push(name);
    values.push(lazy ? readLazily(pass[i + 1]) : pass[i + 1]);
    const kind = KIND_NAMES[kinds[k] as keyof typeof KIND_NAMES] ?? 'local';
    (kind === 'argument' ? plan.arguments : kind === 'local' ? plan.locals : outer).push(name);
  }
  if (outer.length > 0) plan.scopes.push({ kind: 'closure', variables: outer });
  return { plan, roots, values };
}
