/**
 * Captures a snapshot on the main thread, inside the breakpoint condition: the values the
 * condition read by name, serialized with one shared byte budget, and the call stack. The app
 * never pauses; the stall is the capture itself, and it is measured.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { fileURLToPath } from 'node:url';
import { bundlerSource } from '../locate/bundler-urls.js';
import type { CapturedValue, Expr, NamedValue, ScopeCapture, StackFrame, WatchResult } from '@liveprobe/protocol';
import type { CapturedSnapshot, SnapshotPlan } from '../bridge.js';
import { NOT_AVAILABLE, compileExpression, type Compiled, type Frame, type TextOptions } from './compile.js';
import { CaptureBudget, serialize } from './serialize.js';
import { markerReason } from './frame-markers.js';
import { monotonicNow } from './builtins.js';
import { writtenCallSites } from './written-call-sites.js';

export interface CompiledSnapshot extends PlacedSlots {
  watches: { source: string; evaluate: Compiled }[];
  /** The slots of the line's other places (1, 2, …), and the index in a hit's values where its place is. */
  elsewhere: PlacedSlots[];
  placeAt: number;
}

/** The variables one place of the line reads, in the values its breakpoint passes. */
interface PlacedSlots {
  arguments: Slot[];
  locals: Slot[];
  scopes: { kind: 'closure' | 'module'; name?: string; slots: Slot[]; leftOut?: number }[];
}

interface Slot {
  name: string;
  index: number;
}

const MAX_FRAMES = 50;
const UNAVAILABLE: CapturedValue = { t: 'unavailable', reason: 'not kept by V8 at this line, or not initialised yet' };

/** `elsewhere`: the plans of the line's other places, when the script holds it in several (ArmProbe.snapshot). */
export function compileSnapshot(
  plan: SnapshotPlan,
  watches: { source: string; expr: Expr }[],
  roots: readonly string[],
  text: TextOptions,
  elsewhere: readonly SnapshotPlan[] = [],
): CompiledSnapshot {
  const slots = (names: string[]): Slot[] => names.map((name) => ({ name, index: roots.indexOf(name) }));
  const placed = (p: SnapshotPlan): PlacedSlots => ({
    arguments: slots(p.arguments),
    locals: slots(p.locals),
    scopes: p.scopes.map(({ variables, ...scope }) => ({ ...scope, slots: slots(variables) })),
  });
  return {
    ...placed(plan),
    watches: watches.map((w) => ({ source: w.source, evaluate: compileExpression(w.expr, roots, text) })),
    elsewhere: elsewhere.map(placed),
    placeAt: roots.length,
  };
}

/** The slots of the place that hit: the first place passes none after its values. */
function placeOf(compiled: CompiledSnapshot, frame: Frame): PlacedSlots {
  if (compiled.elsewhere.length === 0) return compiled;
  const place = frame.values[compiled.placeAt];
  return (typeof place === 'number' ? compiled.elsewhere[place - 1] : undefined) ?? compiled;
}

/** `agentDir` frames (the hook itself) and the condition's own frame are not the app's. */
export function captureSnapshot(
  compiled: CompiledSnapshot,
  frame: Frame,
  { limits, redaction }: TextOptions,
  agentDir: string,
  /** monotonicNow() at the hook's entry. */
  startedAt: number,
  /** The stack, when the caller already took it (captureStack). */
  stack: StackFrame[] = captureStack(agentDir),
): CapturedSnapshot {
  const budget = new CaptureBudget(limits.totalBytes);
  const value = (v: unknown, name?: string): CapturedValue => {
    if (v === NOT_AVAILABLE) return UNAVAILABLE;
    const reason = typeof v === 'symbol' && name !== undefined ? markerReason(v, name) : undefined;
    return reason === undefined ? serialize(v, limits, budget, redaction) : { t: 'unavailable', reason };
  };
  // A variable whose name is on the redaction list is hidden whatever its value.
  const named = (slots: Slot[]): NamedValue[] =>
    slots.map((s) => ({
      name: s.name,
      value: redaction?.isSecretKey(s.name) === true ? { t: 'redacted' } : value(frame.values[s.index], s.name),
    }));
  // Watches spend the budget first: they are what the user asked for by name, often a field of
  // an argument too big to show whole (a request, a GraphQL resolver's context), which would
  // otherwise leave them nothing. The rest goes in the order a user looks.
  const watches: WatchResult[] = compiled.watches.map((w) => {
    try {
      return { expression: w.source, value: value(w.evaluate(frame)) };
    } catch (err) {
      return { expression: w.source, error: errorMessage(err) };
    }
  });
  const place = placeOf(compiled, frame);
  const args = named(place.arguments);
  const locals = named(place.locals);
  const self = frame.self === undefined ? undefined : value(frame.self);
  const scopes: ScopeCapture[] = place.scopes.map((s) => ({
    kind: s.kind,
    ...(s.name === undefined ? {} : { name: s.name }),
    variables: named(s.slots),
    ...(s.leftOut === undefined ? {} : { leftOut: s.leftOut }),
  }));
  const stallMs = monotonicNow() - startedAt;
  return {
    stack,
    arguments: args,
    locals,
    scopes,
    ...(self === undefined ? {} : { this: self }),
    watches,
    stallMs,
    bytes: budget.used,
    truncated: budget.truncated,
  };
}

/**
 * The stack at the probed line, from V8's structured call sites, in the code as written (a file
 * prepared at build time included: the worker maps its frames through the kept input's map).
 * `Error.prepareStackTrace` is swapped for the duration of one synchronous call and always
 * restored, so an app's own formatter (source-map-support, APM agents) is untouched.
 */
export function captureStack(agentDir: string): StackFrame[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.stackTraceLimit = MAX_FRAMES + 10;
    Error.prepareStackTrace = writtenCallSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder);
    sites = holder.stack as NodeJS.CallSite[];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  const frames: StackFrame[] = [];
  let inApp = false;
  for (const site of sites) {
    // Code compiled from a string (`new Function`, `vm`, webpack's eval) has no file name but the
    // `//# sourceURL=` it ends with: Vite's dev servers name each module of the app by its path,
    // `next dev`'s webpack by a bundler URL (`webpack-internal:///(rsc)/./app/page.js`), which the
    // worker maps. The breakpoint condition, eval'd by V8, has none.
    const name = site.getFileName() ?? (site.isEval() ? site.getScriptNameOrSourceURL() : undefined) ?? '';
    // ES modules report file URLs, CommonJS plain paths.
    const file = name.startsWith('file://') ? fileURLToPath(name) : name;
    if (!inApp) {
      // Skip the agent's frames, the breakpoint condition and a bundler's own eval'd runtime.
      if (file === '' || file.startsWith(agentDir) || (site.isEval() && bundlerSource(file, undefined)?.kind === 'own')) continue;
      inApp = true;
    }
    if (frames.length >= MAX_FRAMES) break;
    frames.push({
      function:
        site.getFunctionName() ??
        (site.getTypeName() !== null && site.getMethodName() !== null ? `${site.getTypeName()}.${site.getMethodName()}` : '(anonymous)'),
      file,
      line: site.getLineNumber() ?? 0,
      column: site.getColumnNumber() ?? 0,
    });
  }
  return frames;
}
