/**
 * Reads values without running application code: no getters, no Proxy traps, no
 * valueOf/toString/toJSON. Built-ins are captured at load so the app cannot replace them.
 */
import { types } from 'node:util';

export class ProbeEvalError extends Error {
  override name = 'ProbeEvalError';
}

const { getOwnPropertyDescriptor, getPrototypeOf, keys: objectKeys } = Object;
const hasOwn = Object.prototype.hasOwnProperty;
const apply = Reflect.apply;
const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const mapHas = Map.prototype.has;
const setHas = Set.prototype.has;
const mapKeys = Map.prototype.keys;
const typedArrayLength = getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype), 'length')!.get!;
const stringStartsWith = String.prototype.startsWith;
const stringEndsWith = String.prototype.endsWith;
const stringIncludes = String.prototype.includes;
const { isProxy, isMap, isSet, isTypedArray } = types;
const MAX_PROTOTYPE_DEPTH = 64;

export function isPrimitive(value: unknown): value is string | number | bigint | boolean | symbol | null | undefined {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** `object[key]`, reading only data properties along the prototype chain. */
export function readProperty(object: unknown, key: unknown, what: string): unknown {
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw new ProbeEvalError(`\`${what}\`: a key must be a string or a number, got ${describeType(key)}`);
  }
  if (typeof object === 'string') {
    if (key === 'length') return object.length;
    const index = typeof key === 'number' ? key : Number(key);
    return Number.isInteger(index) ? object[index] : undefined;
  }
  if (isPrimitive(object)) return undefined;
  let current: object | null = object as object;
  for (let depth = 0; current !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    if (isProxy(current)) throw new ProbeEvalError(`\`${what}\`: the value is a Proxy; liveprobe never reads through proxies`);
    const descriptor = getOwnPropertyDescriptor(current, key);
    if (descriptor !== undefined) {
      if ('value' in descriptor) return descriptor.value;
      throw new ProbeEvalError(`\`${what}\` is a getter; liveprobe never runs getters`);
    }
    current = getPrototypeOf(current);
  }
  return undefined;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value) && !isProxy(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function requirePrimitive(value: unknown, operator: string): void {
  if (!isPrimitive(value)) {
    throw new ProbeEvalError(`\`${operator}\` needs primitive operands (numbers, strings, booleans), got ${describeType(value)}`);
  }
}

export function binary(op: string, left: unknown, right: unknown): unknown {
  if (op === '===') return left === right;
  if (op === '!==') return left !== right;
  if (op === '==' || op === '!=') {
    // Loose equality runs ToPrimitive only when one side is an object and the other a non-nullish primitive.
    if (isPrimitive(left) !== isPrimitive(right) && (isPrimitive(left) ? left : right) != null) {
      throw new ProbeEvalError(`\`${op}\` between an object and a primitive would convert the object; compare a field, or use \`===\``);
    }
    return op === '==' ? left == right : left != right;
  }
  requirePrimitive(left, op);
  requirePrimitive(right, op);
  const a = left as never;
  const b = right as never;
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '+': return (a as number) + (b as number);
    case '-': return (a as number) - (b as number);
    case '*': return (a as number) * (b as number);
    case '/': return (a as number) / (b as number);
    case '%': return (a as number) % (b as number);
    case '**': return (a as number) ** (b as number);
    case '&': return (a as number) & (b as number);
    case '|': return (a as number) | (b as number);
    case '^': return (a as number) ^ (b as number);
    case '<<': return (a as number) << (b as number);
    case '>>': return (a as number) >> (b as number);
    case '>>>': return (a as number) >>> (b as number);
    default: throw new ProbeEvalError(`operator \`${op}\` is not supported`);
  }
}

export function unary(op: string, value: unknown): unknown {
  if (op === '!') return !value;
  if (op === 'typeof') return typeof value;
  requirePrimitive(value, op);
  const v = value as number;
  if (op === '-') return -v;
  if (op === '+') return +v;
  if (op === '~') return ~v;
  throw new ProbeEvalError(`operator \`${op}\` is not supported`);
}

/** Own enumerable keys of a plain object, or the keys of a Map; never through a Proxy. */
export function keysOf(value: unknown, limit: number): unknown[] {
  if (isPrimitive(value)) return [];
  if (isProxy(value)) throw new ProbeEvalError('keys(): the value is a Proxy; liveprobe never reads through proxies');
  if (isMap(value)) {
    const out: unknown[] = [];
    for (const k of apply(mapKeys, value, []) as IterableIterator<unknown>) {
      if (out.length >= limit) break;
      out.push(k);
    }
    return out;
  }
  return objectKeys(value as object).slice(0, limit);
}

export function lengthOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (isPrimitive(value)) throw new ProbeEvalError(`len() needs a string, array, Map, Set or object, got ${describeType(value)}`);
  if (isProxy(value)) throw new ProbeEvalError('len(): the value is a Proxy; liveprobe never reads through proxies');
  if (isMap(value)) return apply(mapSize, value, []) as number;
  if (isSet(value)) return apply(setSize, value, []) as number;
  if (isTypedArray(value)) return apply(typedArrayLength, value, []) as number;
  if (Array.isArray(value)) return value.length;
  return objectKeys(value as object).length;
}

export function hasKey(value: unknown, key: unknown): boolean {
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

export function callMethod(name: 'startsWith' | 'endsWith' | 'includes', target: unknown, arg: unknown, what: string): boolean {
  if (typeof target === 'string') {
    if (typeof arg !== 'string') throw new ProbeEvalError(`\`${what}\`: the argument must be a string, got ${describeType(arg)}`);
    const fn = name === 'startsWith' ? stringStartsWith : name === 'endsWith' ? stringEndsWith : stringIncludes;
    return apply(fn, target, [arg]) as boolean;
  }
  if (!isPrimitive(target) && !isProxy(target) && Array.isArray(target) && name === 'includes') {
    const length = target.length;
    for (let i = 0; i < length; i++) {
      const descriptor = getOwnPropertyDescriptor(target, i);
      if (descriptor !== undefined && 'value' in descriptor) {
        const item: unknown = descriptor.value;
        if (item === arg || (item !== item && arg !== arg)) return true;
      }
    }
    return false;
  }
  throw new ProbeEvalError(`\`${what}\`: .${name}() works on ${name === 'includes' ? 'strings and arrays' : 'strings'}, got ${describeType(target)}`);
}
