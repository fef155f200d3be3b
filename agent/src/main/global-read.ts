/**
 * Reads a global variable for a breakpoint condition without running a getter. A name the
 * probed file does not bind is a property of the global object, and reading it as a name runs
 * its getter, if it has one: an app (or a library) may define global getters with side
 * effects. The runtime's own lazy globals (`process`, `Buffer`, `crypto`… in Node) are getters
 * too; those found when the agent loads, before the app's code runs, are recognised by identity
 * and read, like the built-in slot getters safe-read.ts allows.
 */
import { types } from 'node:util';
import { GLOBAL_GETTER, GLOBAL_UNREAD, NOT_AVAILABLE } from './frame-markers.js';
import { isDataDescriptor, MAX_PROTOTYPE_DEPTH, setHas, stringStartsWith } from './builtins.js';
import { descriptorIsSafe } from './lazy-globals.js';

const { getOwnPropertyDescriptor, getPrototypeOf } = Object;
const apply = Reflect.apply;
const { isProxy } = types;
/** The agent's own names at a probed line: never an app value. */
const RESERVED = '$lp';

/**
 * Node 22's lazy globals are data properties until read, so never among these getters: their
 * descriptors stay unread, since reading one loads its module (./lazy-globals.ts).
 */
const RUNTIME_GETTERS: ReadonlySet<unknown> = new Set(
  Reflect.ownKeys(globalThis)
    .filter((key) => typeof key === 'symbol' || descriptorIsSafe(key))
    .map((key) => getOwnPropertyDescriptor(globalThis, key)?.get)
    .filter((get) => get !== undefined),
);

/**
 * The global property `name`: its value, GLOBAL_GETTER for an app getter, NOT_AVAILABLE when
 * there is none, GLOBAL_UNREAD where the global object itself is not read (a page).
 */
export function readGlobal(name: string): unknown {
  if (stringStartsWith(name, RESERVED)) return NOT_AVAILABLE;
  let current: object | null = globalThis;
  for (let depth = 0; current !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    if (isProxy(current)) return depth === 0 ? GLOBAL_UNREAD : GLOBAL_GETTER;
    const descriptor = getOwnPropertyDescriptor(current, name);
    if (descriptor !== undefined) {
      if (isDataDescriptor(descriptor)) return descriptor.value;
      return setHas(RUNTIME_GETTERS, descriptor.get) ? apply(descriptor.get!, globalThis, []) : GLOBAL_GETTER;
    }
    current = getPrototypeOf(current);
  }
  return NOT_AVAILABLE;
}

/**
 * For a file the agent could not analyse, where a name may be the file's or the global's:
 * GLOBAL_GETTER when reading it as a global would run an app getter (the read is then not
 * made), false when reading the name is safe.
 */
export function guardGlobal(name: string): typeof GLOBAL_GETTER | false {
  return readGlobalKind(name) ? GLOBAL_GETTER : false;
}

function readGlobalKind(name: string): boolean {
  if (stringStartsWith(name, RESERVED)) return true;
  let current: object | null = globalThis;
  for (let depth = 0; current !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    if (isProxy(current)) return true;
    const descriptor = getOwnPropertyDescriptor(current, name);
    if (descriptor !== undefined) return !isDataDescriptor(descriptor) && !setHas(RUNTIME_GETTERS, descriptor.get);
    current = getPrototypeOf(current);
  }
  return false;
}
