/**
 * The entries of fetch's `FormData`, read without running any of its methods. On Node 20 and 22
 * undici keeps them in an own symbol property (`Symbol(state)`, an array of `{ name, value }`),
 * a data property read like any other. On Node 24 they are a `#private` field, which no code
 * outside the class can read without running its methods, and so are those of `Headers` and
 * `URLSearchParams` on every version: those are said to be private rather than shown as `{}`.
 *
 * Trusted only on an object whose prototype is the platform's own: undici's, recognised by the
 * source of its `append` (read with the toString taken at start), which begins with undici's
 * brand check; Node's URLSearchParams.prototype, by identity. A user class of the same name, or a
 * subclass, is shown as a plain object.
 */
import { File } from 'node:buffer';
import { types } from 'node:util';
import { isDataDescriptor, MAX_PROTOTYPE_DEPTH, mapGet, mapSet } from './builtins.js';
import { undiciBrandChecked } from './undici-brand.js';

const { getOwnPropertyDescriptor, getOwnPropertySymbols, getPrototypeOf } = Object;
const { isProxy } = types;
const apply = Reflect.apply;
const hasOwn = Object.hasOwn;
const isArray = Array.isArray;
const symbolDescription = getOwnPropertyDescriptor(Symbol.prototype, 'description')!.get!;
/**
 * How undici's `append` begins on each class (`_FormData` in Node's bundled undici): its brand
 * check. Node's URLSearchParams is Node's own, loaded before the app: its prototype is taken now.
 */
const BRAND_CHECKED: Readonly<Record<string, RegExp>> = {
  FormData: /^append\([^)]*\)\s*\{\s*webidl\.brandCheck\(this, _?FormData\);/,
  Headers: /^append\([^)]*\)\s*\{\s*webidl\.brandCheck\(this, _?Headers\);/,
};
const urlSearchParamsPrototype: object = URLSearchParams.prototype;

/** The prototypes already judged: the platform's, by class name, and those that are not. */
const platformPrototypes = new Map<string, object>();
const notPlatform = new WeakSet<object>();
const weakHas = WeakSet.prototype.has;
const weakAdd = WeakSet.prototype.add;

/** True when `proto` is the platform's prototype of the class named `cls`. */
function isPlatformPrototype(cls: string, proto: object): boolean {
  if (cls === 'URLSearchParams') return proto === urlSearchParamsPrototype;
  const known = mapGet(platformPrototypes, cls);
  if (known !== undefined) return proto === known;
  const pattern = hasOwn(BRAND_CHECKED, cls) ? BRAND_CHECKED[cls] : undefined;
  if (pattern === undefined || apply(weakHas, notPlatform, [proto])) return false;
  const append = getOwnPropertyDescriptor(proto, 'append');
  const trusted = append !== undefined && isDataDescriptor(append) && undiciBrandChecked(append.value, pattern);
  if (trusted) mapSet(platformPrototypes, cls, proto);
  else apply(weakAdd, notPlatform, [proto]);
  return trusted;
}

export interface FormDataEntry {
  readonly name: string;
  readonly value: unknown;
}

/** Said of a platform object whose entries only its own methods can read. */
export const PRIVATE_ENTRIES = 'private';

/**
 * The entries of the platform's FormData; PRIVATE_ENTRIES for the platform's FormData (Node 24),
 * Headers or URLSearchParams, whose entries are `#private`; undefined for anything else.
 */
export function platformEntries(object: object, cls: string): FormDataEntry[] | typeof PRIVATE_ENTRIES | undefined {
  const proto = getPrototypeOf(object) as object | null;
  if (proto === null || isProxy(proto) || !isPlatformPrototype(cls, proto)) return undefined;
  if (cls !== 'FormData') return PRIVATE_ENTRIES;
  const symbols = getOwnPropertySymbols(object);
  for (let s = 0; s < symbols.length; s++) {
    const symbol = symbols[s]!;
    if (apply(symbolDescription, symbol, []) !== 'state') continue;
    const descriptor = getOwnPropertyDescriptor(object, symbol)!;
    const state: unknown = isDataDescriptor(descriptor) ? descriptor.value : undefined;
    if (typeof state !== 'object' || state === null || isProxy(state) || !isArray(state)) return PRIVATE_ENTRIES;
    const entries: FormDataEntry[] = [];
    const length = state.length;
    for (let i = 0; i < length; i++) {
      const entry = entryAt(state, i);
      if (entry !== undefined) entries[entries.length] = entry;
    }
    return entries;
  }
  return PRIVATE_ENTRIES;
}

/** One `{ name, value }` item of the state, read through data properties only. */
function entryAt(state: unknown[], index: number): FormDataEntry | undefined {
  const item = getOwnPropertyDescriptor(state, index);
  const entry: unknown = item !== undefined && isDataDescriptor(item) ? item.value : undefined;
  if (typeof entry !== 'object' || entry === null || isProxy(entry)) return undefined;
  const name = getOwnPropertyDescriptor(entry, 'name');
  const value = getOwnPropertyDescriptor(entry, 'value');
  if (name === undefined || value === undefined || !isDataDescriptor(name) || !isDataDescriptor(value)) return undefined;
  return typeof name.value === 'string' ? { name: name.value, value: value.value } : undefined;
}

/** File's `name`, `size` and `type` getters, as the agent found them at start (none where File has none: a remote page). */
const fileGetters: [string, (...args: unknown[]) => unknown][] = [];
for (const key of ['name', 'size', 'type']) {
  let proto: object | null = File.prototype;
  for (let depth = 0; proto !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    const getter = getOwnPropertyDescriptor(proto, key)?.get;
    if (getter !== undefined) {
      fileGetters[fileGetters.length] = [key, getter];
      break;
    }
    proto = getPrototypeOf(proto) as object | null;
  }
}

/**
 * `name`, `size` and `type` of a node:buffer File (a FormData's file entries), through the
 * platform's own getters, which only read the File's slots; undefined for anything whose
 * prototype is not File.prototype itself (a subclass could shadow them with its own).
 */
export function fileFields(value: unknown): [string, unknown][] | undefined {
  if (typeof value !== 'object' || value === null || isProxy(value) || getPrototypeOf(value) !== File.prototype || fileGetters.length === 0)
    return undefined;
  const fields: [string, unknown][] = [];
  for (let i = 0; i < fileGetters.length; i++) fields[i] = [fileGetters[i]![0], apply(fileGetters[i]![1], value, [])];
  return fields;
}
