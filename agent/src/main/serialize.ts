/**
 * Turns application values into bounded `CapturedValue`s without running application code:
 * no getters, no Proxy traps, no toJSON/valueOf/toString/Symbol.toPrimitive, no iterators the
 * app could have replaced. Every built-in applied to an app value is captured at load.
 *
 * Bounds: depth, properties per object, items per collection, string length, and a byte
 * budget shared by every value of one capture. The budget counts the JSON bytes of the
 * values produced, so a snapshot's values never exceed `totalBytes` in total. Anything cut
 * says so (`more`, `len`, `depth`, `truncated`).
 */
import { types } from 'node:util';
import type { CapturedValue } from '@liveprobe/protocol';
import type { Redaction } from './redaction.js';
import { arrayIncludes, isDataDescriptor, mapGet, mapSet, stringCharCodeAt, stringSlice } from './builtins.js';
import { errorStack, REDACTED } from './safe-read.js';
import { fileFields, PRIVATE_ENTRIES, platformEntries, type FormDataEntry } from './form-data-entries.js';
import type { CaptureLimits } from '../settings/capture-settings.js';

/** The bytes one capture may still spend; shared across all the values of that capture. */
export class CaptureBudget {
  #used = 0;
  #truncated = false;

  constructor(readonly totalBytes: number) {}

  /** JSON bytes of the values serialized so far. */
  get used(): number {
    return this.#used;
  }

  /** True once anything was cut: by a limit or by the byte budget. */
  get truncated(): boolean {
    return this.#truncated;
  }

  get remaining(): number {
    return this.totalBytes - this.#used;
  }

  /** Spends `bytes` if they fit; otherwise spends nothing and records the cut. */
  spend(bytes: number): boolean {
    if (this.#used + bytes > this.totalBytes) {
      this.#truncated = true;
      return false;
    }
    this.#used += bytes;
    return true;
  }

  refund(bytes: number): void {
    this.#used -= bytes;
  }

  markTruncated(): void {
    this.#truncated = true;
  }
}

const { getOwnPropertyDescriptor, getPrototypeOf, keys: objectKeys } = Object;
const apply = Reflect.apply;
const isArray = Array.isArray;
const jsonStringify = JSON.stringify;
const byteLength = Buffer.byteLength;
const symbolToString = Symbol.prototype.toString;
const dateGetTime = Date.prototype.getTime;
const dateToISOString = Date.prototype.toISOString;
const getter = (proto: object, key: PropertyKey): ((...args: unknown[]) => unknown) => getOwnPropertyDescriptor(proto, key)!.get!;
const regexpSource = getter(RegExp.prototype, 'source');
// Not the `flags` getter: it reads `global`, `sticky`… through property lookups the app can intercept.
const regexpFlagGetters: [string, (...args: unknown[]) => unknown][] = (
  [
    ['hasIndices', 'd'],
    ['global', 'g'],
    ['ignoreCase', 'i'],
    ['multiline', 'm'],
    ['dotAll', 's'],
    ['unicode', 'u'],
    ['unicodeSets', 'v'],
    ['sticky', 'y'],
  ] as const
)
  .filter(([name]) => getOwnPropertyDescriptor(RegExp.prototype, name) !== undefined)
  .map(([name, flag]) => [flag, getter(RegExp.prototype, name)]);
const mapSize = getter(Map.prototype, 'size');
const setSize = getter(Set.prototype, 'size');
const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;
const mapIteratorNext = getPrototypeOf(new Map().entries()).next as (this: Iterator<unknown>) => IteratorResult<unknown>;
const setIteratorNext = getPrototypeOf(new Set().values()).next as (this: Iterator<unknown>) => IteratorResult<unknown>;
const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayLength = getter(typedArrayPrototype, 'length');
const typedArrayTag = getter(typedArrayPrototype, Symbol.toStringTag);
const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedArrayBufferByteLength = typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;
const dataViewByteLength = getter(DataView.prototype, 'byteLength');
const boxedValueOf = {
  Number: Number.prototype.valueOf,
  String: String.prototype.valueOf,
  Boolean: Boolean.prototype.valueOf,
  BigInt: BigInt.prototype.valueOf,
  Symbol: Symbol.prototype.valueOf,
};
const {
  isProxy,
  isMap,
  isSet,
  isDate,
  isRegExp,
  isNativeError,
  isTypedArray,
  isBoxedPrimitive,
  isArrayBuffer,
  isSharedArrayBuffer,
  isDataView,
  isNumberObject,
  isStringObject,
  isBooleanObject,
  isBigIntObject,
} = types;

const BOXED_KEY = '[[PrimitiveValue]]';
const TRUNCATED: CapturedValue = { t: 'truncated' };
const TRUNCATED_BYTES = 17; // {"t":"truncated"}
/** Below this many bytes left, a long string is dropped rather than cut to a useless stub. */
const MIN_STRING_CUT = 24;
/** Longer than any card number or token prefix a cut could split. */
const REDACTION_MARGIN = 64;
/** Bigints up to this many bits (about 1,230 digits) print; larger ones would take long to convert. */
const PRINTED_BIGINT_BITS = 4096;
const MAX_PRINTED_BIGINT = 1n << BigInt(PRINTED_BIGINT_BITS);

/**
 * Serializes one value, spending from `budget`. When even the `truncated` marker does not fit
 * it is still returned (17 bytes): a capture that keeps going after its budget ran out should stop.
 */
export function serialize(value: unknown, limits: CaptureLimits, budget: CaptureBudget, redaction?: Redaction): CapturedValue {
  const node = new Serializer(limits, budget, redaction).value(value, 0, 0);
  if (node !== undefined) return node;
  budget.spend(TRUNCATED_BYTES);
  return TRUNCATED;
}

/**
 * What `renderValue(serialize(text, …))` is for a string short enough to need no cut, without
 * building the serializer and its node (a log line's string placeholder, at every hit): the
 * same redaction and the same spend from `budget`. Undefined for a string to cut, or one the
 * budget cannot take (the serializer shows a prefix of it).
 */
export function shortStringText(text: string, limits: CaptureLimits, budget: CaptureBudget, redaction?: Redaction): string | undefined {
  if (text.length > limits.stringLength) return undefined;
  const shown = redaction === undefined ? text : redaction.scrub(text);
  return budget.spend(STRING_NODE_BYTES + jsonStringBytes(shown)) ? shown : undefined;
}

/** Everything that can appear in a capture, read without application code. */
class Serializer {
  private readonly ancestors: object[] = [];

  constructor(
    private readonly limits: CaptureLimits,
    private readonly budget: CaptureBudget,
    private readonly redaction: Redaction | undefined,
  ) {}

  /** The node for `value`, with `overhead` extra bytes (separators around it) spent with it; undefined if it does not fit. */
  value(value: unknown, depth: number, overhead: number): CapturedValue | undefined {
    switch (typeof value) {
      case 'undefined':
        return this.leaf({ t: 'undefined' }, overhead);
      case 'boolean':
        return this.leaf({ t: 'boolean', v: value }, overhead);
      case 'number':
        if (this.redaction?.hidesNumber(value) === true) return this.leaf({ t: 'redacted' }, overhead);
        return this.leaf({ t: 'number', v: numberValue(value) }, overhead);
      case 'bigint':
        if (this.redaction?.hidesNumber(value) === true) return this.leaf({ t: 'redacted' }, overhead);
        return this.bigint(value, overhead);
      case 'string':
        return this.string(value, this.limits.stringLength, overhead);
      case 'symbol':
        return this.leaf({ t: 'symbol', v: this.cut(apply(symbolToString, value, []) as string) }, overhead);
      case 'function':
        if (isProxy(value)) return this.leaf({ t: 'proxy' }, overhead);
        return this.leaf(this.functionNode(value as object), overhead);
    }
    if (value === null) return this.leaf({ t: 'null' }, overhead);
    if (value === REDACTED) return this.leaf({ t: 'redacted' }, overhead);
    const object = value as object;
    if (isProxy(object)) return this.leaf({ t: 'proxy' }, overhead);
    if (arrayIncludes(this.ancestors, object)) return this.leaf({ t: 'circular' }, overhead);
    try {
      return this.object(object, depth, overhead);
    } catch {
      // Exotic objects can refuse even descriptor reads (a module namespace before its binding is initialised).
      return this.leaf({ t: 'unavailable', reason: 'the object could not be read safely' }, overhead);
    }
  }

  private object(object: object, depth: number, overhead: number): CapturedValue | undefined {
    if (isDate(object)) return this.leaf({ t: 'date', v: dateText(object as Date) }, overhead);
    if (isRegExp(object)) return this.leaf({ t: 'regexp', v: this.cut(regexpText(object as RegExp)) }, overhead);
    if (isBoxedPrimitive(object)) return this.boxed(object, overhead);
    if (isArrayBuffer(object) || isSharedArrayBuffer(object) || isDataView(object)) return this.buffer(object, overhead);
    if (isNativeError(object)) return this.enter(object, () => this.error(object, depth, overhead));
    if (depth >= this.limits.depth) {
      this.budget.markTruncated();
      return this.leaf({ t: 'depth', cls: className(object) ?? (isArray(object) ? 'Array' : 'Object') }, overhead);
    }
    if (isTypedArray(object)) return this.typedArray(object, overhead);
    return this.enter(object, () => {
      if (isMap(object)) return this.map(object, depth, overhead);
      if (isSet(object)) return this.set(object, depth, overhead);
      if (isArray(object)) return this.array(object, depth, overhead);
      return this.plain(object, depth, overhead);
    });
  }

  private enter<T>(object: object, body: () => T): T {
    const ancestors = this.ancestors;
    ancestors[ancestors.length] = object;
    try {
      return body();
    } finally {
      ancestors.length--;
    }
  }

  private leaf(node: CapturedValue, overhead: number): CapturedValue | undefined {
    return this.budget.spend(leafBytes(node) + overhead) ? node : undefined;
  }

  private cut(text: string): string {
    if (text.length <= this.limits.stringLength) return text;
    this.budget.markTruncated();
    return stringSlice(text, 0, this.limits.stringLength);
  }

  private string(text: string, maxLength: number, overhead: number): CapturedValue | undefined {
    const shown = this.visibleText(text, maxLength);
    const node: CapturedValue = text.length > maxLength ? { t: 'string', v: shown, len: text.length } : { t: 'string', v: shown };
    if (this.budget.spend(leafBytes(node) + overhead)) return node;
    // Too long for what is left: show a shorter prefix rather than nothing.
    const room = this.budget.remaining - overhead - jsonBytes({ t: 'string', v: '', len: text.length });
    if (room < MIN_STRING_CUT) return undefined;
    let prefix = stringSlice(shown, 0, room);
    while (prefix !== '' && jsonBytes({ t: 'string', v: prefix, len: text.length }) + overhead > this.budget.remaining) {
      prefix = stringSlice(prefix, 0, (prefix.length * 3) >> 2);
    }
    const cutNode: CapturedValue = { t: 'string', v: prefix, len: text.length };
    return this.budget.spend(jsonBytes(cutNode) + overhead) ? cutNode : undefined;
  }

  /** Redacts before cutting, over a window a little wider than what is shown, so a cut never exposes half a card number. */
  private visibleText(text: string, maxLength: number): string {
    const cut = text.length > maxLength;
    if (cut) this.budget.markTruncated();
    if (this.redaction === undefined) return cut ? stringSlice(text, 0, maxLength) : text;
    const window = cut ? stringSlice(text, 0, maxLength + REDACTION_MARGIN) : text;
    const scrubbed = this.redaction.scrub(window);
    if (!cut) return scrubbed;
    return stringSlice(scrubbed, 0, maxLength);
  }

  private functionNode(fn: object): CapturedValue {
    const name = dataValue(fn, 'name', false);
    const cls = className(fn);
    const node: { t: 'function'; name: string; cls?: string } = { t: 'function', name: typeof name === 'string' ? this.cut(name) : '' };
    if (cls !== undefined && cls !== 'Function') node.cls = this.cut(cls);
    return node;
  }

  private bigint(value: bigint, overhead: number): CapturedValue | undefined {
    // Printing in decimal takes time quadratic in the digits (3 s for 10 million bits): a
    // bigint too long to show in full is described instead.
    if (value >= MAX_PRINTED_BIGINT || value <= -MAX_PRINTED_BIGINT) {
      this.budget.markTruncated();
      return this.leaf({ t: 'unavailable', reason: `a bigint of more than ${PRINTED_BIGINT_BITS} bits, too long to print` }, overhead);
    }
    return this.leaf({ t: 'bigint', v: this.cut(`${value}`) }, overhead);
  }

  private boxed(object: object, overhead: number): CapturedValue | undefined {
    const kind = isNumberObject(object)
      ? 'Number'
      : isStringObject(object)
        ? 'String'
        : isBooleanObject(object)
          ? 'Boolean'
          : isBigIntObject(object)
            ? 'BigInt'
            : 'Symbol';
    const primitive: unknown = apply(boxedValueOf[kind], object, []);
    const skeleton: CapturedValue = { t: 'object', cls: className(object) ?? kind, props: [] };
    const keyBytes = jsonBytes(BOXED_KEY) + 3;
    if (!this.budget.spend(jsonBytes(skeleton) + overhead)) return undefined;
    const inner = this.value(primitive, 0, keyBytes);
    if (inner === undefined) {
      this.budget.refund(jsonBytes(skeleton) + overhead);
      return undefined;
    }
    return { t: 'object', cls: skeleton.cls, props: [[BOXED_KEY, inner]] };
  }

  private buffer(object: object, overhead: number): CapturedValue | undefined {
    const length = isDataView(object)
      ? apply(dataViewByteLength, object, [])
      : isSharedArrayBuffer(object) && sharedArrayBufferByteLength !== undefined
        ? apply(sharedArrayBufferByteLength, object, [])
        : apply(arrayBufferByteLength, object, []);
    const cls = className(object) ?? (isDataView(object) ? 'DataView' : 'ArrayBuffer');
    return this.leaf({ t: 'object', cls, props: [['byteLength', { t: 'number', v: length as number }]] }, overhead);
  }

  private error(error: object, depth: number, overhead: number): CapturedValue | undefined {
    const name = dataValue(error, 'name', true);
    const message = dataValue(error, 'message', false);
    const cls = typeof name === 'string' && name !== '' ? name : (className(error) ?? 'Error');
    const node: { t: 'error'; cls: string; message: string; stack?: string; props?: [string, CapturedValue][] } = {
      t: 'error',
      cls: this.cut(cls),
      message: typeof message === 'string' ? this.visibleText(message, this.limits.stringLength) : '',
    };
    const stack = errorStack(error);
    if (stack !== undefined) node.stack = this.visibleText(stack, this.limits.stringLength * 8);
    if (!this.budget.spend(jsonBytes(node) + overhead)) {
      // Without its stack, an error is still worth showing.
      delete node.stack;
      if (!this.budget.spend(jsonBytes(node) + overhead)) return undefined;
    }
    if (depth >= this.limits.depth) return node;
    const keys = objectKeys(error).filter((k) => k !== 'message' && k !== 'stack');
    if (getOwnPropertyDescriptor(error, 'cause') !== undefined && !keys.includes('cause')) keys.push('cause');
    if (keys.length === 0) return node;
    // `,"props":[]` joins the node; each property is spent as it is added.
    if (!this.budget.spend(11)) return node;
    const props: [string, CapturedValue][] = [];
    for (let i = 0; i < keys.length && i < this.limits.properties; i++) {
      const entry = this.property(error, keys[i]!, depth);
      if (entry === undefined) break;
      props[props.length] = entry;
    }
    if (props.length < keys.length) this.budget.markTruncated();
    node.props = props;
    return node;
  }

  /** One `["key",value]` entry of an object; undefined when it does not fit. */
  private property(object: object, key: string, depth: number): [string, CapturedValue] | undefined {
    const shownKey = this.visibleText(key, this.limits.stringLength);
    const overhead = jsonBytes(shownKey) + 4; // [ , ] and the comma before the next entry
    if (this.redaction?.isSecretKey(key)) return this.entry(shownKey, this.leaf({ t: 'redacted' }, overhead));
    let descriptor: PropertyDescriptor | undefined;
    try {
      descriptor = getOwnPropertyDescriptor(object, key);
    } catch {
      return this.entry(shownKey, this.leaf({ t: 'unavailable', reason: 'not initialised yet' }, overhead));
    }
    if (descriptor === undefined) return this.entry(shownKey, this.leaf({ t: 'unavailable', reason: 'removed while reading' }, overhead));
    if (!isDataDescriptor(descriptor)) return this.entry(shownKey, this.leaf({ t: 'getter' }, overhead));
    return this.entry(shownKey, this.value(descriptor.value, depth + 1, overhead));
  }

  private entry(key: string, node: CapturedValue | undefined): [string, CapturedValue] | undefined {
    return node === undefined ? undefined : [key, node];
  }

  private plain(object: object, depth: number, overhead: number): CapturedValue | undefined {
    const cls = className(object);
    // Platform objects whose state is no property: shown by what they hold, as the app sees it.
    if (cls === 'FormData' || cls === 'Headers' || cls === 'URLSearchParams') {
      const entries = platformEntries(object, cls);
      if (entries === PRIVATE_ENTRIES) return this.leaf({ t: 'unavailable', reason: privateEntries(cls) }, overhead);
      if (entries !== undefined) return this.formData(entries, depth, overhead);
    } else if (cls === 'File') {
      const fields = fileFields(object);
      if (fields !== undefined) return this.fields('File', fields, depth, overhead);
    }
    const keys = objectKeys(object);
    const node: { t: 'object'; cls?: string; props: [string, CapturedValue][]; more?: number } = { t: 'object', props: [] };
    if (cls !== undefined && cls !== 'Object') node.cls = this.cut(cls);
    const reserved = moreBytes(keys.length);
    if (!this.budget.spend(jsonBytes(node) + overhead + reserved)) return undefined;
    const props = node.props;
    for (let i = 0; i < keys.length && i < this.limits.properties; i++) {
      const entry = this.property(object, keys[i]!, depth);
      if (entry === undefined) break;
      props[props.length] = entry;
    }
    return this.finishMore(node, keys.length - props.length, reserved);
  }

  /** A FormData as `{ name: value }`, a name given several times as the list of its values; redacted by name like a key. */
  private formData(entries: FormDataEntry[], depth: number, overhead: number): CapturedValue | undefined {
    const grouped = new Map<string, unknown[]>();
    for (let i = 0; i < entries.length; i++) {
      const { name, value } = entries[i]!;
      const values = mapGet(grouped, name);
      if (values === undefined) mapSet(grouped, name, [value]);
      else values[values.length] = value;
    }
    const fields: [string, unknown][] = [];
    const iterator = apply(mapEntries, grouped, []) as Iterator<[string, unknown[]]>;
    for (let step = apply(mapIteratorNext, iterator, []) as IteratorResult<[string, unknown[]]>; step.done !== true; ) {
      const [name, values] = step.value;
      fields[fields.length] = [name, values.length === 1 ? values[0] : values];
      step = apply(mapIteratorNext, iterator, []) as IteratorResult<[string, unknown[]]>;
    }
    return this.fields('FormData', fields, depth, overhead);
  }

  /** An object node of `cls` from fields the agent read itself, within the properties limit and the budget. */
  private fields(cls: string, fields: [string, unknown][], depth: number, overhead: number): CapturedValue | undefined {
    const node: { t: 'object'; cls: string; props: [string, CapturedValue][]; more?: number } = { t: 'object', cls, props: [] };
    const reserved = moreBytes(fields.length);
    if (!this.budget.spend(jsonBytes(node) + overhead + reserved)) return undefined;
    const props = node.props;
    for (let i = 0; i < fields.length && i < this.limits.properties; i++) {
      const [key, value] = fields[i]!;
      const shownKey = this.visibleText(key, this.limits.stringLength);
      const keyOverhead = jsonBytes(shownKey) + 4;
      const valueNode = this.redaction?.isSecretKey(key)
        ? this.leaf({ t: 'redacted' }, keyOverhead)
        : this.value(value, depth + 1, keyOverhead);
      if (valueNode === undefined) break;
      props[props.length] = [shownKey, valueNode];
    }
    return this.finishMore(node, fields.length - props.length, reserved);
  }

  private array(array: unknown[], depth: number, overhead: number): CapturedValue | undefined {
    const length = array.length;
    const cls = className(array);
    const node: { t: 'array'; cls?: string; len: number; items: CapturedValue[]; more?: number } = { t: 'array', len: length, items: [] };
    if (cls !== undefined && cls !== 'Array') node.cls = this.cut(cls);
    const reserved = moreBytes(length);
    if (!this.budget.spend(jsonBytes(node) + overhead + reserved)) return undefined;
    const items = node.items;
    for (let i = 0; i < length && i < this.limits.items; i++) {
      const descriptor = getOwnPropertyDescriptor(array, i);
      const item =
        descriptor === undefined
          ? this.leaf({ t: 'hole' }, 1)
          : !isDataDescriptor(descriptor)
            ? this.leaf({ t: 'getter' }, 1)
            : this.redaction?.hidesPairedItem(array, i) === true
              ? this.leaf({ t: 'redacted' }, 1)
              : this.value(descriptor.value, depth + 1, 1);
      if (item === undefined) break;
      items[items.length] = item;
    }
    return this.finishMore(node, length - items.length, reserved);
  }

  private typedArray(array: object, overhead: number): CapturedValue | undefined {
    const length = apply(typedArrayLength, array, []) as number;
    const cls = className(array) ?? (apply(typedArrayTag, array, []) as string);
    const node: { t: 'typedarray'; cls: string; len: number; items: (number | string)[]; more?: number } = {
      t: 'typedarray',
      cls: this.cut(cls),
      len: length,
      items: [],
    };
    const reserved = moreBytes(length);
    if (!this.budget.spend(jsonBytes(node) + overhead + reserved)) return undefined;
    const items = node.items;
    // Element reads of a typed array are integer-indexed: no prototype lookup, no getter.
    const elements = array as ArrayLike<number | bigint>;
    for (let i = 0; i < length && i < this.limits.items; i++) {
      const element = elements[i]!;
      const item = typeof element === 'bigint' ? `${element}` : numberValue(element);
      if (!this.budget.spend(jsonBytes(item) + 1)) break;
      items[items.length] = item;
    }
    return this.finishMore(node, length - items.length, reserved);
  }

  private map(map: object, depth: number, overhead: number): CapturedValue | undefined {
    const size = apply(mapSize, map, []) as number;
    const node: { t: 'map'; size: number; entries: [CapturedValue, CapturedValue][]; more?: number } = { t: 'map', size, entries: [] };
    const reserved = moreBytes(size);
    if (!this.budget.spend(jsonBytes(node) + overhead + reserved)) return undefined;
    const entries = node.entries;
    const iterator = apply(mapEntries, map, []) as Iterator<[unknown, unknown]>;
    while (entries.length < this.limits.items) {
      const step = apply(mapIteratorNext, iterator, []) as IteratorResult<[unknown, unknown]>;
      if (step.done === true) break;
      const [key, value] = step.value;
      const keyNode = this.value(key, depth + 1, 3); // [ , ] around the pair
      if (keyNode === undefined) break;
      const secret = typeof key === 'string' && this.redaction?.isSecretKey(key) === true;
      const valueNode = secret ? this.leaf({ t: 'redacted' }, 1) : this.value(value, depth + 1, 1);
      if (valueNode === undefined) {
        this.budget.refund(jsonBytes(keyNode) + 3);
        break;
      }
      entries[entries.length] = [keyNode, valueNode];
    }
    return this.finishMore(node, size - entries.length, reserved);
  }

  private set(set: object, depth: number, overhead: number): CapturedValue | undefined {
    const size = apply(setSize, set, []) as number;
    const node: { t: 'set'; size: number; items: CapturedValue[]; more?: number } = { t: 'set', size, items: [] };
    const reserved = moreBytes(size);
    if (!this.budget.spend(jsonBytes(node) + overhead + reserved)) return undefined;
    const items = node.items;
    const iterator = apply(setValues, set, []) as Iterator<unknown>;
    while (items.length < this.limits.items) {
      const step = apply(setIteratorNext, iterator, []) as IteratorResult<unknown>;
      if (step.done === true) break;
      const item = this.value(step.value, depth + 1, 1);
      if (item === undefined) break;
      items[items.length] = item;
    }
    return this.finishMore(node, size - items.length, reserved);
  }

  /** Sets `more` when something was left out, and gives back the bytes reserved for it otherwise. */
  private finishMore<N extends { more?: number }>(node: N, more: number, reserved: number): N {
    if (more > 0) {
      node.more = more;
      this.budget.markTruncated();
      this.budget.refund(reserved - moreBytes(more));
    } else {
      this.budget.refund(reserved);
    }
    return node;
  }
}

/** Bytes of `,"more":N`. */
function moreBytes(count: number): number {
  return 8 + `${count}`.length;
}

// JSON bytes of the fixed parts of the commonest leaves, so the hot path does not walk them.
const STRING_NODE_BYTES = jsonBytes({ t: 'string', v: '' }) - 2;
const LEN_FIELD_BYTES = jsonBytes({ t: 'string', v: '', len: 0 }) - jsonBytes({ t: 'string', v: '' }) - 1;
const NUMBER_NODE_BYTES = jsonBytes({ t: 'number', v: 0 }) - 1;

const FIXED_BYTES: Partial<Record<CapturedValue['t'], number>> = Object.fromEntries(
  (['undefined', 'null', 'hole', 'circular', 'getter', 'proxy', 'redacted', 'truncated'] as const).map((t) => [t, jsonBytes({ t })]),
);
const BOOLEAN_BYTES = { true: jsonBytes({ t: 'boolean', v: true }), false: jsonBytes({ t: 'boolean', v: false }) };

function leafBytes(node: CapturedValue): number {
  switch (node.t) {
    case 'undefined':
    case 'null':
    case 'hole':
    case 'circular':
    case 'getter':
    case 'proxy':
    case 'redacted':
    case 'truncated':
      return FIXED_BYTES[node.t]!;
    case 'boolean':
      return node.v ? BOOLEAN_BYTES.true : BOOLEAN_BYTES.false;
    case 'string':
      return STRING_NODE_BYTES + jsonStringBytes(node.v) + (node.len === undefined ? 0 : LEN_FIELD_BYTES + `${node.len}`.length);
    case 'number':
      return NUMBER_NODE_BYTES + (typeof node.v === 'number' ? `${node.v}`.length : node.v.length + 2);
    default:
      return jsonBytes(node);
  }
}

/**
 * The UTF-8 bytes of `JSON.stringify(value)`, for the nodes this file builds (plain objects,
 * arrays, strings, finite numbers, booleans), without building the JSON text.
 */
function jsonBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return jsonStringBytes(value);
    case 'number':
      return `${value}`.length;
    case 'boolean':
      return value ? 4 : 5;
    case 'object': {
      if (value === null) return 4;
      if (isArray(value)) {
        let bytes = value.length > 1 ? value.length + 1 : 2;
        for (let i = 0; i < value.length; i++) bytes += jsonBytes(value[i]);
        return bytes;
      }
      let bytes = 2;
      let fields = 0;
      for (const key of objectKeys(value)) {
        const field = (value as Record<string, unknown>)[key];
        // JSON leaves out undefined fields, and the comma with them.
        if (field === undefined) continue;
        bytes += jsonStringBytes(key) + 1 + jsonBytes(field);
        fields++;
      }
      return fields > 1 ? bytes + fields - 1 : bytes;
    }
    default:
      return 0;
  }
}

function jsonStringBytes(text: string): number {
  // Printable ASCII other than `"` and `\\` is one byte each, unescaped: the common case, counted without building the JSON.
  for (let i = 0; i < text.length; i++) {
    const code = stringCharCodeAt(text, i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return byteLength(jsonStringify(text) as string, 'utf8');
  }
  return text.length + 2;
}

/** Non-finite numbers and -0 do not survive JSON: they travel as text. */
function numberValue(value: number): number | string {
  if (value !== value) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0 && 1 / value < 0) return '-0';
  return value;
}

function dateText(date: Date): string {
  const time = apply(dateGetTime, date, []) as number;
  return time !== time ? 'Invalid Date' : (apply(dateToISOString, date, []) as string);
}

function regexpText(regexp: RegExp): string {
  let flags = '';
  for (const [flag, read] of regexpFlagGetters) if (apply(read, regexp, []) === true) flags += flag;
  return `/${apply(regexpSource, regexp, []) as string}/${flags}`;
}

/** A data property's value, own or (with `inherited`) along the prototype chain; never a getter. */
function dataValue(object: object, key: string, inherited: boolean): unknown {
  let current: object | null = object;
  for (let hops = 0; current !== null && hops < 64; hops++) {
    if (isProxy(current)) return undefined;
    const descriptor = getOwnPropertyDescriptor(current, key);
    if (descriptor !== undefined) return isDataDescriptor(descriptor) ? descriptor.value : undefined;
    if (!inherited) return undefined;
    current = getPrototypeOf(current);
  }
  return undefined;
}

/** Why a platform object's entries are not shown (`cls` is one of the few classes that keep them private). */
function privateEntries(cls: string): string {
  return `${cls} keeps its entries in private fields, which only its own methods read; liveprobe runs none`;
}

/** The class name of an instance, from its prototype's own `constructor` data property. */
export function className(object: object): string | undefined {
  const proto = getPrototypeOf(object) as object | null;
  if (proto === null || isProxy(proto)) return undefined;
  const ctor = dataValue(proto, 'constructor', false);
  if (typeof ctor !== 'function' || isProxy(ctor)) return undefined;
  const name = dataValue(ctor, 'name', false);
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** A captured value as text for a log line: strings bare at the top level, quoted inside structures. */
export function renderValue(value: CapturedValue): string {
  return value.t === 'string' ? stringText(value.v, value.len, false) : render(value);
}

function render(value: CapturedValue): string {
  switch (value.t) {
    case 'undefined':
      return 'undefined';
    case 'null':
      return 'null';
    case 'boolean':
      return value.v ? 'true' : 'false';
    case 'number':
      return `${value.v}`;
    case 'bigint':
      return `${value.v}n`;
    case 'string':
      return stringText(value.v, value.len, true);
    case 'symbol':
      return value.v;
    case 'function':
      return `[${value.cls ?? 'Function'} ${value.name === '' ? '(anonymous)' : value.name}]`;
    case 'object': {
      const boxed = value.props.length === 1 && value.props[0]![0] === BOXED_KEY ? value.props[0]![1] : undefined;
      if (boxed !== undefined) return `[${value.cls ?? 'Object'}: ${render(boxed)}]`;
      const items = value.props.map(([k, v]) => `${keyText(k)}: ${render(v)}`);
      return `${value.cls === undefined ? '' : `${value.cls} `}${braces(items, value.more)}`;
    }
    case 'array': {
      const items = value.items.map(render);
      if (value.more !== undefined) items.push(`…+${value.more} more`);
      return `${value.cls === undefined ? '' : `${value.cls}(${value.len}) `}[${items.join(', ')}]`;
    }
    case 'typedarray': {
      const items = value.items.map((v) => `${v}`);
      if (value.more !== undefined) items.push(`…+${value.more} more`);
      return `${value.cls}(${value.len}) [${items.join(', ')}]`;
    }
    case 'map':
      return `Map(${value.size}) ${braces(
        value.entries.map(([k, v]) => `${render(k)} => ${render(v)}`),
        value.more,
      )}`;
    case 'set':
      return `Set(${value.size}) ${braces(value.items.map(render), value.more)}`;
    case 'date':
      return value.v;
    case 'regexp':
      return value.v;
    case 'error':
      return value.message === '' ? value.cls : `${value.cls}: ${value.message}`;
    case 'hole':
      return '<empty>';
    case 'circular':
      return '[Circular]';
    case 'depth':
      return `[${value.cls ?? 'Object'}]`;
    case 'getter':
      return '[Getter]';
    case 'proxy':
      return '[Proxy]';
    case 'redacted':
      return '[REDACTED]';
    case 'unavailable':
      return value.reason === undefined ? '<unavailable>' : `<unavailable: ${value.reason}>`;
    case 'truncated':
      return '…';
  }
}

function braces(items: string[], more: number | undefined): string {
  if (more !== undefined) items.push(`…+${more} more`);
  return items.length === 0 ? '{}' : `{ ${items.join(', ')} }`;
}

function stringText(text: string, length: number | undefined, quoted: boolean): string {
  const body = quoted ? (jsonStringify(text) as string) : text;
  return length === undefined || length <= text.length ? body : `${body}…(+${length - text.length} chars)`;
}

function keyText(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : (jsonStringify(key) as string);
}
