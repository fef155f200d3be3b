/**
 * Reads values without running application code: no getters, no Proxy traps, no
 * valueOf/toString/toJSON, no iterators the app could replace. Built-ins are captured at load
 * so the app cannot replace them.
 */
import { types } from 'node:util';
import { bigintRefusal } from '@liveprobe/protocol/expression/bounds';
import {
  isDataDescriptor,
  MAX_PROTOTYPE_DEPTH,
  setHas as setContains,
  stringEndsWith,
  stringIncludes,
  stringStartsWith,
} from './builtins.js';
import { MAX_BUILT_STRING, spend, textSteps } from './eval-work.js';
import { frameworkGetterName } from './framework-getters.js';
import { isPlatformGetter } from './platform-getters.js';
import { ProbeEvalError } from './probe-eval-error.js';
import { formatsWithoutAppCode } from './stack-formatter.js';

export { ProbeEvalError };

/**
 * What an expression gets when it reads a name the agent's redaction settings hide: it prints
 * as `[REDACTED]` and refuses every operator and helper, so a condition cannot test it either.
 */
export const REDACTED: object = Object.freeze(Object.create(null) as object);

const { getOwnPropertyDescriptor, getPrototypeOf, keys: objectKeys } = Object;
const hasOwn = Object.prototype.hasOwnProperty;
const apply = Reflect.apply;
const getterOf = (proto: object, key: PropertyKey): ((...args: unknown[]) => unknown) => getOwnPropertyDescriptor(proto, key)!.get!;
const mapSize = getterOf(Map.prototype, 'size');
const setSize = getterOf(Set.prototype, 'size');
const mapHas = Map.prototype.has;
const setHas = Set.prototype.has;
const mapKeys = Map.prototype.keys;
const mapIteratorNext = getPrototypeOf(new Map().keys()).next as (this: Iterator<unknown>) => IteratorResult<unknown>;
const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayLength = getterOf(typedArrayPrototype, 'length');
const ErrorConstructor = Error;
const { isProxy, isMap, isSet, isTypedArray, isNativeError } = types;
/** `.includes()` on a longer array would stall the app at the probed line. */
const MAX_INCLUDES_SCAN = 10_000;

/**
 * Getters of built-in prototypes that only read an internal slot: `map.size`, `buf.length`,
 * `re.source`. Recognised by identity, so an app-defined getter of the same name never runs.
 * (`RegExp.prototype.flags` is left out: it reads other properties through lookups.)
 */
const SAFE_GETTERS: ReadonlySet<unknown> = new Set([
  mapSize,
  setSize,
  typedArrayLength,
  getterOf(typedArrayPrototype, 'byteLength'),
  getterOf(typedArrayPrototype, 'byteOffset'),
  getterOf(ArrayBuffer.prototype, 'byteLength'),
  getterOf(DataView.prototype, 'byteLength'),
  getterOf(Symbol.prototype, 'description'),
  ...['source', 'global', 'ignoreCase', 'multiline', 'dotAll', 'unicode', 'sticky', 'hasIndices']
    .filter((name) => getOwnPropertyDescriptor(RegExp.prototype, name) !== undefined)
    .map((name) => getterOf(RegExp.prototype, name)),
]);

export function isPrimitive(value: unknown): value is string | number | bigint | boolean | symbol | null | undefined {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** `object[key]`, reading only data properties along the prototype chain (and built-in slot getters). */
export function readProperty(object: unknown, key: unknown, what: string): unknown {
  // The read a log line makes most, an object's own data property, in a function small enough
  // for V8 to inline where it is read (a path placeholder's loop); every other read, with the
  // same checks, in readAny. (`stack`: an error's is read apart, see readInherited.)
  if (
    typeof object === 'object' &&
    object !== null &&
    object !== REDACTED &&
    typeof key === 'string' &&
    key !== 'stack' &&
    !isProxy(object)
  ) {
    const descriptor = getOwnPropertyDescriptor(object, key);
    if (descriptor === undefined) return readInherited(object, getPrototypeOf(object) as object | null, key, what, 1);
    if (isDataDescriptor(descriptor)) return descriptor.value;
  }
  return readAny(object, key, what);
}

/**
 * readProperty for a key a read path fixed when it was compiled: a string, never `stack`
 * (read-path.ts leaves such paths to readProperty), so the hit tests neither.
 */
export function readNamed(object: unknown, key: string, what: string): unknown {
  if (object === plainObject || (typeof object === 'object' && object !== null && object !== REDACTED && isPlain(object))) {
    const descriptor = getOwnPropertyDescriptor(object, key);
    if (descriptor === undefined) return readInherited(object, getPrototypeOf(object) as object | null, key, what, 1);
    if (isDataDescriptor(descriptor)) return descriptor.value;
  }
  return readAny(object, key, what);
}

/** What ownDataProperty returns for anything but an own data property of an object that is no Proxy. */
export const NOT_OWN_DATA: unknown = Symbol('not an own data property');

/**
 * readNamed's usual case alone, for a line's compiled writer (compile.ts): `key`'s value when it
 * is an own data property of an object that is no Proxy, else NOT_OWN_DATA, never a throw, so
 * that the writer hands every other case to the general path, which reads it again with all of
 * readNamed's checks. As readNamed, it runs no getter and no trap.
 */
export function ownDataProperty(object: object, key: string): unknown {
  if (object === plainObject || (object !== REDACTED && isPlain(object))) {
    const descriptor = getOwnPropertyDescriptor(object, key);
    if (descriptor !== undefined && isDataDescriptor(descriptor)) return descriptor.value;
  }
  return NOT_OWN_DATA;
}

/** What readNamed remembers when it remembers no object: one no app holds. */
const NOTHING_REMEMBERED = {};

/**
 * The object readNamed last found to be no Proxy: whether an object is one never changes, so its
 * next reads skip `isProxy`, a C++ callback of ~80 instructions (a log line reads the same
 * object hit after hit; callgrind, scripts/hit-path-loop.mjs site-log). Held only until the
 * hit batch leaves (forgetPlainObject), so that it keeps no app object alive for long. Tested
 * first: the object remembered passed the other tests too.
 */
let plainObject: object = NOTHING_REMEMBERED;

function isPlain(object: object): boolean {
  if (isProxy(object)) return false;
  plainObject = object;
  return true;
}

/** readNamed's remembered object is let go: the hit batch calls this as it leaves. */
export function forgetPlainObject(): void {
  plainObject = NOTHING_REMEMBERED;
}

function readAny(object: unknown, key: unknown, what: string): unknown {
  if (object === REDACTED) return REDACTED;
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw new ProbeEvalError(`\`${what}\`: a key must be a string or a number, got ${describeType(key)}`);
  }
  if (typeof object === 'string') {
    if (key === 'length') return object.length;
    const index = typeof key === 'number' ? key : Number(key);
    // Out of range, `s[i]` would look on String.prototype, where the app may have put a getter.
    return Number.isInteger(index) && index >= 0 && index < object.length ? object[index] : undefined;
  }
  if (isPrimitive(object)) return undefined;
  return readInherited(object as object, object as object, key, what, 0);
}

/** `key` of `receiver`, looked up from `from`, `depth` steps along its prototype chain. */
function readInherited(receiver: object, from: object | null, key: string | number, what: string, depth: number): unknown {
  for (let current = from; current !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    if (isProxy(current)) throw new ProbeEvalError(`\`${what}\`: the value is a Proxy; liveprobe never reads through proxies`);
    // V8 formats `stack` on its first read, running Error.prepareStackTrace if the app set one.
    if (key === 'stack' && current === receiver && isNativeError(receiver)) return errorStack(receiver);
    const descriptor = getOwnPropertyDescriptor(current, key);
    if (descriptor !== undefined) {
      if (isDataDescriptor(descriptor)) return descriptor.value;
      if (setContains(SAFE_GETTERS, descriptor.get) || isPlatformGetter(descriptor.get, receiver))
        return apply(descriptor.get!, receiver, []);
      throw new ProbeEvalError(`\`${what}\` is a getter; liveprobe never runs getters${frameworkOptIn(current, key)}`);
    }
    current = getPrototypeOf(current) as object | null;
  }
  return undefined;
}

/** For a framework's own request getter, how to let it run (only on the refusal path: it resolves modules). */
function frameworkOptIn(owner: object, key: string | number): string {
  const name = typeof key === 'string' ? frameworkGetterName(owner, key) : undefined;
  return name === undefined
    ? ''
    : `, except a framework's own listed in the agent's LIVEPROBE_FRAMEWORK_GETTERS: add ${name} to run this one`;
}

/** Explains, when the stack cannot be read without running application code. */
export const STACK_NOT_READ = '[not captured: Error.prepareStackTrace is set, and reading the stack would run it]';
export const STACK_NOT_READ_HEADER =
  "[not captured: the error's name or message is a getter or an object, and formatting the stack would run it]";

/**
 * An error's stack, read only when formatting it runs no application code. V8 formats `stack`
 * on its first read: it calls `Error.prepareStackTrace` when the app set one, and reads `name`
 * and `message` (through getters, and converting objects to strings) for the first line.
 */
export function errorStack(error: object): string | undefined {
  const global = getOwnPropertyDescriptor(globalThis, 'Error');
  const noFormatter =
    global !== undefined &&
    isDataDescriptor(global) &&
    global.value === ErrorConstructor &&
    formatsWithoutAppCode(getOwnPropertyDescriptor(ErrorConstructor, 'prepareStackTrace'));
  if (!noFormatter) return STACK_NOT_READ;
  if (!isPlainText(error, 'name') || !isPlainText(error, 'message')) return STACK_NOT_READ_HEADER;
  const descriptor = getOwnPropertyDescriptor(error, 'stack');
  return descriptor !== undefined && isDataDescriptor(descriptor) && typeof descriptor.value === 'string' ? descriptor.value : undefined;
}

/** True when `key` resolves, along the prototype chain, to a string data property or to nothing. */
function isPlainText(object: object, key: string): boolean {
  let current: object | null = object;
  for (let depth = 0; current !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    if (isProxy(current)) return false;
    const descriptor = getOwnPropertyDescriptor(current, key);
    if (descriptor !== undefined)
      return isDataDescriptor(descriptor) && (typeof descriptor.value === 'string' || descriptor.value === undefined);
    current = getPrototypeOf(current);
  }
  return true;
}

function refuseRedacted(value: unknown, what: string): void {
  if (value === REDACTED) throw new ProbeEvalError(`${what}: the value is redacted by the agent's configuration`);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  // Array.isArray throws on a revoked Proxy: ask isProxy first.
  if (!isProxy(value) && Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function requirePrimitive(value: unknown, operator: string): void {
  refuseRedacted(value, `\`${operator}\``);
  if (!isPrimitive(value)) {
    throw new ProbeEvalError(`\`${operator}\` needs primitive operands (numbers, strings, booleans), got ${describeType(value)}`);
  }
}

type Binary = (left: unknown, right: unknown) => unknown;

/** The arithmetic, bitwise and ordering operators: JS semantics, once both operands are primitives. */
const ARITHMETIC: Record<string, (a: never, b: never) => unknown> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '+': (a: number, b: number) => a + b,
  '-': (a: number, b: number) => a - b,
  '*': (a: number, b: number) => a * b,
  '/': (a: number, b: number) => a / b,
  '%': (a: number, b: number) => a % b,
  '**': (a: number, b: number) => a ** b,
  '&': (a: number, b: number) => a & b,
  '|': (a: number, b: number) => a | b,
  '^': (a: number, b: number) => a ^ b,
  '<<': (a: number, b: number) => a << b,
  '>>': (a: number, b: number) => a >> b,
  '>>>': (a: number, b: number) => a >>> b,
};

/** A binary operator that never converts an object (no valueOf, toString, Symbol.toPrimitive), chosen once at compile time. */
export function binaryOperator(op: string): Binary {
  const what = `\`${op}\``;
  switch (op) {
    case '===':
      return (left, right) => (refuseRedacted(left, what), refuseRedacted(right, what), compareSteps(left, right), left === right);
    case '!==':
      return (left, right) => (refuseRedacted(left, what), refuseRedacted(right, what), compareSteps(left, right), left !== right);
    case '==':
    case '!=': {
      const negate = op === '!=';
      return (left, right) => {
        refuseRedacted(left, what);
        refuseRedacted(right, what);
        // Loose equality runs ToPrimitive only when one side is an object and the other a non-nullish primitive.
        if (isPrimitive(left) !== isPrimitive(right) && (isPrimitive(left) ? left : right) != null) {
          throw new ProbeEvalError(`${what} between an object and a primitive would convert the object; compare a field, or use \`===\``);
        }
        compareSteps(left, right);
        return negate ? left != right : left == right;
      };
    }
  }
  const compute = Object.hasOwn(ARITHMETIC, op) ? ARITHMETIC[op]! : undefined;
  if (compute === undefined) throw new ProbeEvalError(`operator ${what} is not supported`);
  return (left, right) => {
    requirePrimitive(left, op);
    requirePrimitive(right, op);
    boundWork(op, left, right);
    return compute(left as never, right as never);
  };
}

/**
 * Refuses an operation that would do unbounded work, before it runs: a bigint result or operand
 * over MAX_BIGINT_BITS, a string over MAX_BUILT_STRING; long strings and big bigints cost steps.
 */
function boundWork(op: string, left: unknown, right: unknown): void {
  if (typeof left === 'bigint' && typeof right === 'bigint') {
    // Comparing reads each word once, however long: no bound needed.
    if (op === '<' || op === '<=' || op === '>' || op === '>=') return;
    const refusal = bigintRefusal(op, left, right);
    if (refusal !== undefined) throw new ProbeEvalError(`\`${op}\`: ${refusal}`);
    return;
  }
  const leftText = typeof left === 'string' ? left.length : 0;
  const rightText = typeof right === 'string' ? right.length : 0;
  if (leftText + rightText === 0) return;
  if (op === '+' && leftText + rightText > MAX_BUILT_STRING) {
    throw new ProbeEvalError(
      `\`+\`: the string would have ${leftText + rightText} characters; a probe builds strings of at most ${MAX_BUILT_STRING}`,
    );
  }
  spend(textSteps(leftText + rightText));
}

/** Two strings compare character by character: long ones cost steps. (Not Math.min: the app may have replaced it.) */
function compareSteps(left: unknown, right: unknown): void {
  if (typeof left === 'string' && typeof right === 'string') spend(textSteps(left.length < right.length ? left.length : right.length));
}

/** Unary `-` and `~` on a bigint allocate one of the same size: bounded like the binary operators. */
function boundUnary(op: string, value: unknown): void {
  if (typeof value === 'bigint') {
    const refusal = bigintRefusal(op, value, 0n);
    if (refusal !== undefined) throw new ProbeEvalError(`\`${op}\`: ${refusal}`);
  }
}

/** A unary operator; `-`, `+` and `~` refuse objects like the binary ones. */
export function unaryOperator(op: string): (value: unknown) => unknown {
  const what = `\`${op}\``;
  switch (op) {
    case '!':
      return (value) => (refuseRedacted(value, what), !value);
    case 'typeof':
      return (value) => (refuseRedacted(value, what), typeof value);
    case '-':
      return (value) => (requirePrimitive(value, op), boundUnary(op, value), -(value as number));
    case '+':
      return (value) => (requirePrimitive(value, op), +(value as number));
    case '~':
      return (value) => (requirePrimitive(value, op), boundUnary(op, value), ~(value as number));
  }
  throw new ProbeEvalError(`operator ${what} is not supported`);
}

/** Own enumerable keys of a plain object, or the keys of a Map; never through a Proxy. */
export function keysOf(value: unknown, limit: number): unknown[] {
  refuseRedacted(value, 'keys()');
  if (isPrimitive(value)) return [];
  if (isProxy(value)) throw new ProbeEvalError('keys(): the value is a Proxy; liveprobe never reads through proxies');
  if (isMap(value)) {
    const out: unknown[] = [];
    const iterator = apply(mapKeys, value, []) as Iterator<unknown>;
    while (out.length < limit) {
      const step = apply(mapIteratorNext, iterator, []) as IteratorResult<unknown>;
      if (step.done === true) break;
      out[out.length] = step.value;
    }
    return out;
  }
  const keys = objectKeys(value as object);
  spend(keys.length);
  if (keys.length > limit) keys.length = limit;
  return keys;
}

export function lengthOf(value: unknown): number {
  refuseRedacted(value, 'len()');
  if (typeof value === 'string') return value.length;
  if (isPrimitive(value)) throw new ProbeEvalError(`len() needs a string, array, Map, Set or object, got ${describeType(value)}`);
  if (isProxy(value)) throw new ProbeEvalError('len(): the value is a Proxy; liveprobe never reads through proxies');
  if (isMap(value)) return apply(mapSize, value, []) as number;
  if (isSet(value)) return apply(setSize, value, []) as number;
  if (isTypedArray(value)) return apply(typedArrayLength, value, []) as number;
  if (Array.isArray(value)) return value.length;
  const keys = objectKeys(value as object);
  spend(keys.length);
  return keys.length;
}

export function hasKey(value: unknown, key: unknown): boolean {
  refuseRedacted(value, 'has()');
  if (isPrimitive(value)) return false;
  if (isProxy(value)) throw new ProbeEvalError('has(): the value is a Proxy; liveprobe never reads through proxies');
  if (isMap(value)) return apply(mapHas, value, [key]) as boolean;
  if (isSet(value)) return apply(setHas, value, [key]) as boolean;
  if (typeof key !== 'string' && typeof key !== 'number') return false;
  let current: object | null = value as object;
  for (let depth = 0; current !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    if (isProxy(current)) return false;
    if (apply(hasOwn, current, [key])) return true;
    current = getPrototypeOf(current);
  }
  return false;
}

/** `redaction`: an array's items it hides (the values of `rawHeaders`) never match. */
export function callMethod(
  name: 'startsWith' | 'endsWith' | 'includes',
  target: unknown,
  arg: unknown,
  what: string,
  redaction?: { hidesPairedItem(array: readonly unknown[], index: number): boolean },
): boolean {
  refuseRedacted(target, `\`${what}\``);
  refuseRedacted(arg, `\`${what}\``);
  if (typeof target === 'string') {
    if (typeof arg !== 'string') throw new ProbeEvalError(`\`${what}\`: the argument must be a string, got ${describeType(arg)}`);
    const fn = name === 'startsWith' ? stringStartsWith : name === 'endsWith' ? stringEndsWith : stringIncludes;
    spend(textSteps(name === 'includes' ? target.length + arg.length : arg.length));
    return fn(target, arg);
  }
  if (!isPrimitive(target) && !isProxy(target) && Array.isArray(target) && name === 'includes') {
    const length = target.length;
    if (length > MAX_INCLUDES_SCAN) {
      throw new ProbeEvalError(
        `\`${what}\`: the array has ${length} items; a probe scans at most ${MAX_INCLUDES_SCAN} — test a narrower value`,
      );
    }
    spend(length);
    for (let i = 0; i < length; i++) {
      const descriptor = getOwnPropertyDescriptor(target, i);
      if (descriptor !== undefined && isDataDescriptor(descriptor)) {
        const item: unknown = descriptor.value;
        if ((item === arg || (item !== item && arg !== arg)) && redaction?.hidesPairedItem(target, i) !== true) return true;
      }
    }
    return false;
  }
  throw new ProbeEvalError(
    `\`${what}\`: .${name}() works on ${name === 'includes' ? 'strings and arrays' : 'strings'}, got ${describeType(target)}`,
  );
}
