/**
 * Compiles a checked expression into a closure over a hit's captured values. The closures
 * only call the safe readers in safe-read.ts, so evaluating one never runs application code.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { types } from 'node:util';
import type { Expr, TemplatePart } from '@liveprobe/protocol';
import type { Redaction } from './redaction.js';
import {
  binaryOperator,
  callMethod,
  hasKey,
  isPrimitive,
  keysOf,
  lengthOf,
  NOT_OWN_DATA,
  ownDataProperty,
  ProbeEvalError,
  readProperty,
  REDACTED,
  unaryOperator,
} from './safe-read.js';
import { startEvaluation } from './eval-work.js';
import { TEXT_FOLLOWS, type PackingTemplate } from './hit-batch.js';
import { NOT_AVAILABLE, NOT_INITIALISED } from './frame-markers.js';
import { missingObject, readPath, readPathOf, rootValue, type ReadPath } from './read-path.js';
import { slotValues } from './site-slots.js';
import { CaptureBudget, renderValue, serialize, shortStringText } from './serialize.js';
import { DEFAULT_CAPTURE_LIMITS, type CaptureLimits } from '../settings/capture-settings.js';

/** What a breakpoint condition captured at the line. */
export interface Frame {
  values: unknown[];
  self: unknown;
}

export { NOT_AVAILABLE, NOT_INITIALISED };

export type Compiled = (frame: Frame) => unknown;

const { isNativeError } = types;

const MAX_KEYS = 100;

/** How values become text (`str()`, log lines): the capture limits and the agent's redaction. */
export interface TextOptions {
  limits: CaptureLimits;
  redaction?: Redaction;
  /** Roots the built code has no variable of at the probe's line (ArmProbe's `unbound`): a missing one says why. */
  unbound?: ReadonlySet<string>;
}

const DEFAULT_TEXT: TextOptions = { limits: DEFAULT_CAPTURE_LIMITS };

/**
 * `redaction` hides names at compile time where they are static (`password`, `user.token`)
 * and at each read where the key is a variable (`headers[name]`).
 */
export function compileExpression(expr: Expr, roots: readonly string[], text: TextOptions = DEFAULT_TEXT): Compiled {
  const evaluate = compileNode(expr, roots, text);
  const nodes = countNodes(expr);
  return (frame) => {
    try {
      startEvaluation(nodes);
      return evaluate(frame);
    } catch (err) {
      throw asProbeError(err);
    }
  };
}

/**
 * Engine errors (mixing a bigint with a number, a string too long) become ProbeEvalErrors, so
 * the caller reports one kind of failure. Only the agent's own code ran, so `err` is either
 * ours or the engine's; its message is still read as a data property, never through a getter.
 */
function asProbeError(err: unknown): ProbeEvalError {
  if (err instanceof ProbeEvalError) return err;
  const message =
    typeof err === 'object' && err !== null && isNativeError(err) ? Object.getOwnPropertyDescriptor(err, 'message')?.value : undefined;
  return new ProbeEvalError(typeof message === 'string' ? message : 'the expression failed');
}

function compileNode(expr: Expr, roots: readonly string[], text: TextOptions): Compiled {
  const redaction = text.redaction;
  const sub = (e: Expr): Compiled => compileNode(e, roots, text);
  switch (expr.k) {
    case 'lit': {
      const v = expr.v;
      return () => v;
    }
    case 'bigint': {
      const v = BigInt(expr.v);
      return () => v;
    }
    case 'undef':
      return () => undefined;
    case 'this':
      return (f) => f.self;
    case 'id': {
      const index = roots.indexOf(expr.name);
      const name = expr.name;
      if (redaction?.isSecretKey(name) === true) return () => REDACTED;
      const unbound = text.unbound?.has(name) === true;
      return (f) => rootValue(f.values[index], name, unbound);
    }
    case 'unary': {
      const arg = sub(expr.arg);
      const operate = unaryOperator(expr.op);
      return (f) => operate(arg(f));
    }
    case 'binary': {
      const left = sub(expr.left);
      const right = sub(expr.right);
      const operate = binaryOperator(expr.op);
      return (f) => operate(left(f), right(f));
    }
    case 'logical': {
      const left = sub(expr.left);
      const right = sub(expr.right);
      if (expr.op === '&&') return (f) => left(f) && right(f);
      if (expr.op === '||') return (f) => left(f) || right(f);
      return (f) => left(f) ?? right(f);
    }
    case 'cond': {
      const test = sub(expr.test);
      const then = sub(expr.then);
      const otherwise = sub(expr.else);
      return (f) => (test(f) ? then(f) : otherwise(f));
    }
    case 'array': {
      const items = expr.items.map(sub);
      return (f) => items.map((item) => item(f));
    }
    case 'helper': {
      const args = expr.args.map(sub);
      const [first, second] = args as [Compiled, Compiled | undefined];
      switch (expr.name) {
        case 'len':
          return (f) => lengthOf(first(f));
        case 'keys':
          return (f) => keysOf(first(f), MAX_KEYS);
        case 'has':
          return (f) => hasKey(first(f), second!(f));
        case 'str':
          return (f) => toText(first(f), text, new CaptureBudget(text.limits.totalBytes));
      }
      throw new ProbeEvalError(`unknown helper \`${String((expr as { name: unknown }).name)}\``);
    }
    case 'member':
    case 'method':
      return chainEnd(expr, compileLink(expr, roots, text));
  }
}

/**
 * `a?.b.c` is undefined when `a` is null or undefined, as in JavaScript: a link returns SHORT
 * once an optional link before it met nothing, and the chain's last link turns SHORT into
 * undefined (chainEnd). As in the Python agent, parentheses do not end a chain.
 */
const SHORT = Symbol('a short-circuited optional chain');

function chainEnd(expr: Expr, link: Compiled): Compiled {
  if (!hasOptionalLink(expr)) return link;
  return (f) => {
    const v = link(f);
    return v === SHORT ? undefined : v;
  };
}

function hasOptionalLink(expr: Expr): boolean {
  if (expr.k === 'member') return expr.optional || hasOptionalLink(expr.object);
  if (expr.k === 'method') return expr.optional || hasOptionalLink(expr.target);
  return false;
}

/** A member read or method call whose result may be SHORT. */
function compileLink(expr: Extract<Expr, { k: 'member' | 'method' }>, roots: readonly string[], text: TextOptions): Compiled {
  const redaction = text.redaction;
  const sub = (e: Expr): Compiled => compileNode(e, roots, text);
  const link = (e: Expr): Compiled => (e.k === 'member' || e.k === 'method' ? compileLink(e, roots, text) : sub(e));
  switch (expr.k) {
    case 'member': {
      const object = link(expr.object);
      const { optional, src } = expr;
      const objectText = sourceOf(expr.object);
      const missing = (o: unknown): typeof SHORT => {
        if (optional || o === SHORT) return SHORT;
        throw missingObject(src, objectText, o);
      };
      if (expr.property.k === 'lit') {
        // The common case, `user.name` or `items[0]`: the key and whether it is hidden are known now.
        const key = expr.property.v;
        if (typeof key === 'string' && redaction?.isSecretKey(key) === true) {
          return (f) => {
            const o = object(f);
            return o === null || o === undefined || o === SHORT ? missing(o) : REDACTED;
          };
        }
        const paired = redaction !== undefined && typeof key === 'number' && (key & 1) === 1;
        return (f) => {
          const o = object(f);
          if (o === null || o === undefined || o === SHORT) return missing(o);
          const v = readProperty(o, key, src);
          return paired && isPairedSecret(redaction, o, key) ? REDACTED : v;
        };
      }
      const property = sub(expr.property);
      return (f) => {
        const o = object(f);
        if (o === null || o === undefined || o === SHORT) return missing(o);
        const key = property(f);
        if (redaction !== undefined && typeof key === 'string' && redaction.isSecretKey(key)) return REDACTED;
        const v = readProperty(o, key, src);
        return redaction !== undefined && typeof key === 'number' && isPairedSecret(redaction, o, key) ? REDACTED : v;
      };
    }
    case 'method': {
      const target = link(expr.target);
      const arg = sub(expr.args[0]!);
      const { name, optional, src } = expr;
      return (f) => {
        const t = target(f);
        if (t === SHORT || ((t === null || t === undefined) && optional)) return SHORT;
        return callMethod(name, t, arg(f), src, redaction);
      };
    }
  }
}

/** `rawHeaders[1]` when `rawHeaders[0]` is `Cookie`: the value half of a name/value list. */
function isPairedSecret(redaction: Redaction, o: unknown, key: number): boolean {
  return !isPrimitive(o) && !types.isProxy(o) && Array.isArray(o) && redaction.hidesPairedItem(o, key);
}

/** The nodes of an expression: what evaluating it costs before anything it reads. */
function countNodes(expr: Expr): number {
  switch (expr.k) {
    case 'member':
      return 1 + countNodes(expr.object) + countNodes(expr.property);
    case 'unary':
      return 1 + countNodes(expr.arg);
    case 'binary':
    case 'logical':
      return 1 + countNodes(expr.left) + countNodes(expr.right);
    case 'cond':
      return 1 + countNodes(expr.test) + countNodes(expr.then) + countNodes(expr.else);
    case 'array':
    case 'helper':
      return (expr.k === 'array' ? expr.items : expr.args).reduce((sum, e) => sum + countNodes(e), 1);
    case 'method':
      return 1 + countNodes(expr.target) + countNodes(expr.args[0]!);
    default:
      return 1;
  }
}

/** A short source-like rendering of a node, for error messages. */
function sourceOf(expr: Expr): string {
  switch (expr.k) {
    case 'id':
      return expr.name;
    case 'this':
      return 'this';
    case 'member':
      return expr.src;
    case 'method':
      return expr.src;
    default:
      return 'the value';
  }
}

/** A log template, compiled: call it for the line as text, or let the worker format it from the values `pack` writes. */
export interface CompiledTemplate {
  (frame: Frame): string;
  /** Names `pieces` to the worker, which formats the lines packed with them (hit-batch.ts). */
  readonly id: number;
  /** The text around the placeholders: one piece more than there are placeholders. */
  readonly pieces: readonly string[];
  /**
   * The placeholders' values, in order, straight into a batch (HitBatch.packedLine): a number the
   * worker prints as it is (as the line here would) into `numbers` from `at`, one per placeholder;
   * the text made here, bounded and redacted, of anything else into `texts`, with TEXT_FOLLOWS in
   * its place. Returns the line's length, exact but for fractions and large numbers (counted as
   * the longest a number prints); with `measure` false (nothing limits the line's bytes), 0:
   * counting costs as much as the rest. With `slots`, `values` is a prepared site's pass, root r
   * at `values[slots[r]]` (site-slots.ts).
   */
  readonly pack: PackingTemplate['pack'];
}

let templates = 0;

/**
 * `onError` receives a placeholder's failure; the line is still produced with the error in its
 * place. All placeholders of one line share one byte budget.
 */
export function compileTemplate(
  parts: readonly TemplatePart[],
  roots: readonly string[],
  onError: (message: string) => void,
  text: TextOptions = DEFAULT_TEXT,
): CompiledTemplate {
  const pieces: string[] = [''];
  // Each placeholder's expression and its size, evaluated as compileExpression's closure would
  // be, without one more closure and try per placeholder per hit.
  const placeholders: Compiled[] = [];
  const sizes: number[] = [];
  const paths: (ReadPath | undefined)[] = [];
  for (const part of parts) {
    if ('text' in part) pieces[pieces.length - 1] += part.text;
    else {
      placeholders.push(compileNode(part.expr, roots, text));
      sizes.push(countNodes(part.expr));
      paths.push(readPathOf(part.expr, roots, text.redaction, text.unbound));
      pieces.push('');
    }
  }
  const fixedLength = pieces.reduce((sum, piece) => sum + piece.length, 0);
  // Created only for a value that needs bounds: most lines hold numbers and booleans.
  const budget: { current?: CaptureBudget } = {};
  /** A placeholder's value as the line shows it: a number as it is, anything else as text, bounded and redacted. */
  const shown = (value: unknown): number | string => {
    if (quickNumber(value, text)) return value;
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    budget.current ??= new CaptureBudget(text.limits.totalBytes);
    const short = typeof value === 'string' ? shortStringText(value, text.limits, budget.current, text.redaction) : undefined;
    return short ?? renderValue(serialize(value, text.limits, budget.current, text.redaction));
  };
  /** The placeholder's failure in its place: one should not hide the rest of the line. */
  const failed = (err: unknown): string => {
    const message = errorMessage(asProbeError(err));
    onError(message);
    return `<${message}>`;
  };
  const evaluate: Evaluate = (index, path, values, slots, frame) => {
    try {
      let value: unknown;
      if (path !== undefined) value = readPath(path, values, slots);
      else {
        startEvaluation(sizes[index]!);
        value = placeholders[index]!(frame!);
      }
      return shown(value);
    } catch (err) {
      return failed(err);
    }
  };
  const format = (frame: Frame): string => {
    budget.current = undefined;
    let out = pieces[0]!;
    for (let i = 0; i < placeholders.length; i++) out += `${evaluate(i, paths[i], frame.values, undefined, frame)}${pieces[i + 1]!}`;
    return out;
  };
  const write = composed(paths.map((path, i) => placeholderWriter(i, path, text, evaluate, shown, failed)));
  const pack: PackingTemplate['pack'] = (values, self, numbers, at, texts, measure, slots) => {
    budget.current = undefined;
    // Tested once, as a boolean: V8 does not know an argument holds one, and tells `true` from
    // every falsy value one by one at each test.
    const measuring = measure === true;
    const length = write(values, self, slots, numbers, at, texts, measuring);
    return measuring ? fixedLength + length : 0;
  };
  return Object.assign(format, { id: ++templates, pieces, pack });
}

/**
 * A line's compiled writer, one placeholder's part of it: writes the placeholder's value at
 * `numbers[at]` (a number the worker prints as it is, or TEXT_FOLLOWS and its text pushed on
 * `texts`); returns the characters it adds when `measuring`, 0 otherwise. `values` and `slots`
 * as CompiledTemplate.pack's.
 */
type Writer = (
  values: unknown[],
  self: unknown,
  slots: Int32Array | undefined,
  numbers: Float64Array<ArrayBufferLike>,
  at: number,
  texts: string[],
  measuring: boolean,
) => number;

/** Placeholder `index` read and shown by the general path, every check of its read made: a number as it is, or its text (its failure's, in its place). */
type Evaluate = (
  index: number,
  path: ReadPath | undefined,
  values: unknown[],
  slots: Int32Array | undefined,
  frame: Frame | undefined,
) => number | string;

/** A value shown (a number or a text) written at `numbers[at]`. */
function put(value: number | string, numbers: Float64Array<ArrayBufferLike>, at: number, texts: string[], measuring: boolean): number {
  if (typeof value === 'number') {
    numbers[at] = value;
    return measuring ? printedLength(value) : 0;
  }
  numbers[at] = TEXT_FOLLOWS;
  texts.push(value);
  return measuring ? value.length : 0;
}

/**
 * Placeholder `index`'s writer, specialised when the template is compiled to what it reads: a
 * name alone (`{total}`) or a name and one key (`{order.id}`) read inline, its slot and key
 * fixed, under guards (the root an object, the key an own data property of an object that is no
 * Proxy, the value a number printed as it is) that hand every other case to `evaluate`, the
 * general path with all of its checks, which reads it again (nothing it reads runs app code).
 * Any other placeholder goes to `evaluate` at every hit, a frame made for it if it is no read path.
 */
function placeholderWriter(
  index: number,
  path: ReadPath | undefined,
  text: TextOptions,
  evaluate: Evaluate,
  shown: (value: unknown) => number | string,
  failed: (err: unknown) => string,
): Writer {
  if (path === undefined) {
    return (values, self, slots, numbers, at, texts, measuring) => {
      const frame = { values: slots === undefined ? values : slotValues(values, slots), self };
      return put(evaluate(index, undefined, values, slots, frame), numbers, at, texts, measuring);
    };
  }
  const root = path.index;
  if (path.keys.length === 0) {
    return (values, _self, slots, numbers, at, texts, measuring) => {
      const value = values[slots === undefined ? root : slots[root]!];
      if (quickNumber(value, text)) {
        numbers[at] = value;
        return measuring ? printedLength(value) : 0;
      }
      return put(evaluate(index, path, values, slots, undefined), numbers, at, texts, measuring);
    };
  }
  if (path.keys.length === 1) {
    const key = path.keys[0]!;
    return (values, _self, slots, numbers, at, texts, measuring) => {
      const object = values[slots === undefined ? root : slots[root]!];
      const value = typeof object === 'object' && object !== null ? ownDataProperty(object, key) : NOT_OWN_DATA;
      if (quickNumber(value, text)) {
        numbers[at] = value;
        return measuring ? printedLength(value) : 0;
      }
      if (value === NOT_OWN_DATA) return put(evaluate(index, path, values, slots, undefined), numbers, at, texts, measuring);
      let written: number | string;
      try {
        written = shown(value);
      } catch (err) {
        written = failed(err);
      }
      return put(written, numbers, at, texts, measuring);
    };
  }
  return (values, _self, slots, numbers, at, texts, measuring) =>
    put(evaluate(index, path, values, slots, undefined), numbers, at, texts, measuring);
}

/** The placeholders' writers as one, each writing the next number: composed once, when the template is compiled. */
function composed(writers: readonly Writer[]): Writer {
  if (writers.length === 0) return () => 0;
  const [first, ...rest] = writers as [Writer, ...Writer[]];
  if (rest.length === 0) return first;
  const next = composed(rest);
  return (values, self, slots, numbers, at, texts, measuring) =>
    first(values, self, slots, numbers, at, texts, measuring) + next(values, self, slots, numbers, at + 1, texts, measuring);
}

/** Numbers print without bounds or redaction unless a card-number pattern could apply (0 and NaN go the long way, as serialize renders them). */
function quickNumber(value: unknown, text: TextOptions): value is number {
  return typeof value === 'number' && value !== 0 && value === value && (value < 1e12 || text.redaction === undefined);
}

/** The longest a number prints: `-0.0000012345678901234567` (a sign, `0.`, five zeros, seventeen significant digits). */
const LONGEST_NUMBER = 25;

/** How many characters `${n}` has, without making the string: exact for integers below 1e12, at most otherwise. */
function printedLength(n: number): number {
  const magnitude = n < 0 ? -n : n;
  if (magnitude >= 1e12 || magnitude % 1 !== 0) return LONGEST_NUMBER;
  let digits = 1;
  for (let bound = 10; magnitude >= bound; bound *= 10) digits++;
  return n < 0 ? digits + 1 : digits;
}

/** A value as it reads in a log line: bounded, redacted, strings bare. */
function toText(value: unknown, text: TextOptions, budget: CaptureBudget): string {
  if (typeof value === 'boolean' || quickNumber(value, text)) return `${value}`;
  return renderValue(serialize(value, text.limits, budget, text.redaction));
}
