/**
 * Turns a captured value into bounded text for a log line without running application code.
 * Truncation is always visible (`…`, `…+12 more`).
 */
import { types } from 'node:util';
import { isPrimitive } from './safe-read.js';

export interface DescribeLimits {
  depth: number;
  properties: number;
  stringLength: number;
  totalLength: number;
}

export const DEFAULT_DESCRIBE_LIMITS: DescribeLimits = { depth: 3, properties: 20, stringLength: 200, totalLength: 2000 };

const { getOwnPropertyDescriptor, getPrototypeOf, keys: objectKeys } = Object;
const apply = Reflect.apply;
const symbolToString = Symbol.prototype.toString;
const dateGetTime = Date.prototype.getTime;
const dateToISOString = Date.prototype.toISOString;
const regexpSource = getOwnPropertyDescriptor(RegExp.prototype, 'source')!.get!;
const regexpFlags = getOwnPropertyDescriptor(RegExp.prototype, 'flags')!.get!;
const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;
const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const { isProxy, isMap, isSet, isDate, isRegExp, isNativeError, isTypedArray, isBoxedPrimitive } = types;

/** A value as it appears inside a log line: strings bare at the top level, quoted inside structures. */
export function describeForTemplate(value: unknown, limits: DescribeLimits = DEFAULT_DESCRIBE_LIMITS): string {
  if (typeof value === 'string') return truncate(value, limits.totalLength);
  return new Describer(limits).value(value, 0);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(+${text.length - max} chars)`;
}

function dataProperty(object: object, key: PropertyKey): { found: boolean; value?: unknown } {
  const descriptor = getOwnPropertyDescriptor(object, key);
  if (descriptor === undefined) return { found: false };
  return 'value' in descriptor ? { found: true, value: descriptor.value } : { found: true, value: GETTER };
}

const GETTER = Symbol('getter');

/** The class name of an instance, read from its prototype's own `constructor` data property. */
export function className(object: object): string | undefined {
  const proto = getPrototypeOf(object);
  if (proto === null || isProxy(proto)) return undefined;
  const ctor = dataProperty(proto, 'constructor').value;
  if (typeof ctor !== 'function') return undefined;
  const name = dataProperty(ctor, 'name').value;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

class Describer {
  private used = 0;
  private readonly seen = new Set<object>();
  constructor(private readonly limits: DescribeLimits) {}

  value(value: unknown, depth: number): string {
    if (this.used > this.limits.totalLength) return '…';
    const text = this.render(value, depth);
    this.used += text.length;
    return text;
  }

  private render(value: unknown, depth: number): string {
    if (isPrimitive(value)) return this.primitive(value);
    if (typeof value === 'function') {
      const name = dataProperty(value, 'name').value;
      return `[Function ${typeof name === 'string' && name !== '' ? name : '(anonymous)'}]`;
    }
    const object = value as object;
    if (isProxy(object)) return '[Proxy]';
    if (this.seen.has(object)) return '[Circular]';
    if (isDate(object)) {
      const time = apply(dateGetTime, object, []) as number;
      return Number.isNaN(time) ? 'Invalid Date' : (apply(dateToISOString, object, []) as string);
    }
    if (isRegExp(object)) return `/${apply(regexpSource, object, []) as string}/${apply(regexpFlags, object, []) as string}`;
    if (isBoxedPrimitive(object)) return `[${className(object) ?? 'Boxed'}]`;
    if (depth >= this.limits.depth) {
      if (Array.isArray(object)) return `[Array(${object.length})]`;
      return `[${className(object) ?? 'Object'}]`;
    }
    this.seen.add(object);
    try {
      if (isMap(object)) return this.map(object as Map<unknown, unknown>, depth);
      if (isSet(object)) return this.set(object as Set<unknown>, depth);
      if (isTypedArray(object)) return `[${className(object) ?? 'TypedArray'}]`;
      if (isNativeError(object)) {
        const name = dataProperty(object, 'name').value ?? className(object) ?? 'Error';
        const message = dataProperty(object, 'message').value;
        return `${String(typeof name === 'string' ? name : 'Error')}: ${typeof message === 'string' ? truncate(message, this.limits.stringLength) : ''}`;
      }
      if (Array.isArray(object)) return this.array(object, depth);
      return this.object(object, depth);
    } finally {
      this.seen.delete(object);
    }
  }

  private primitive(value: string | number | bigint | boolean | symbol | null | undefined): string {
    switch (typeof value) {
      case 'string': return JSON.stringify(truncate(value, this.limits.stringLength));
      case 'bigint': return `${value}n`;
      case 'symbol': return apply(symbolToString, value, []) as string;
      default: return String(value);
    }
  }

  private array(array: unknown[], depth: number): string {
    const length = array.length;
    const shown = Math.min(length, this.limits.properties);
    const items: string[] = [];
    for (let i = 0; i < shown; i++) {
      const property = dataProperty(array, i);
      items.push(!property.found ? '<empty>' : property.value === GETTER ? '[Getter]' : this.value(property.value, depth + 1));
    }
    if (length > shown) items.push(`…+${length - shown} more`);
    return `[${items.join(', ')}]`;
  }

  private object(object: object, depth: number): string {
    const keys = objectKeys(object);
    const shown = Math.min(keys.length, this.limits.properties);
    const items: string[] = [];
    for (let i = 0; i < shown; i++) {
      const key = keys[i]!;
      const property = dataProperty(object, key);
      const rendered = property.value === GETTER ? '[Getter]' : this.value(property.value, depth + 1);
      items.push(`${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${rendered}`);
    }
    if (keys.length > shown) items.push(`…+${keys.length - shown} more`);
    const name = className(object);
    const prefix = name === undefined || name === 'Object' ? '' : `${name} `;
    return `${prefix}{${items.length === 0 ? '' : ` ${items.join(', ')} `}}`;
  }

  private map(map: Map<unknown, unknown>, depth: number): string {
    const size = apply(mapSize, map, []) as number;
    const items: string[] = [];
    for (const [k, v] of apply(mapEntries, map, []) as IterableIterator<[unknown, unknown]>) {
      if (items.length >= this.limits.properties) break;
      items.push(`${this.value(k, depth + 1)} => ${this.value(v, depth + 1)}`);
    }
    if (size > items.length) items.push(`…+${size - items.length} more`);
    return `Map(${size}) {${items.length === 0 ? '' : ` ${items.join(', ')} `}}`;
  }

  private set(set: Set<unknown>, depth: number): string {
    const size = apply(setSize, set, []) as number;
    const items: string[] = [];
    for (const v of apply(setValues, set, []) as IterableIterator<unknown>) {
      if (items.length >= this.limits.properties) break;
      items.push(this.value(v, depth + 1));
    }
    if (size > items.length) items.push(`…+${size - items.length} more`);
    return `Set(${size}) {${items.length === 0 ? '' : ` ${items.join(', ')} `}}`;
  }
}
