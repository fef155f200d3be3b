/**
 * Getters of the platform an expression may run: Node's `IncomingMessage`/`ServerResponse`,
 * `URL`, `URLSearchParams`, `AbortSignal` and fetch's `Request`/`Response`. Each only reads
 * state the object already holds, or (IncomingMessage `headers`) builds and keeps the value the
 * app's own first read would build, identically. Recognised by the identity of the getter
 * function taken from the platform when the agent starts, so an app's getter with the same
 * name, or on a subclass, is still refused.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { types } from 'node:util';
import { isDataDescriptor, MAX_PROTOTYPE_DEPTH, setHas } from './builtins.js';
import { IncomingMessage, OutgoingMessage } from './http-classes.js';
import { builtinLoaded, globalsAreLazy } from './lazy-globals.js';
import { FrameworkGetters, parseFrameworkGetters } from './framework-getters.js';
import { undiciBrandChecked } from './undici-brand.js';

type Getter = (...args: unknown[]) => unknown;

const { getOwnPropertyDescriptor, getPrototypeOf } = Object;
const { isProxy } = types;
const apply = Reflect.apply;
const setAdd = Set.prototype.add;

const getterOf = (proto: object, key: string): Getter | undefined => getOwnPropertyDescriptor(proto, key)?.get as Getter | undefined;

const allowed = new Set<unknown>();
const allow = (proto: object, keys: readonly string[]): void => {
  for (const key of keys) {
    const getter = getterOf(proto, key);
    if (getter !== undefined) apply(setAdd, allowed, [getter]);
  }
};

// `trailers` is left out: read before the trailers arrive, it would keep an empty object the
// app then sees. `headersDistinct` adds a property the request did not have.
const headersGetter = getterOf(IncomingMessage.prototype, 'headers');
const addHeaderLine: unknown = getOwnPropertyDescriptor(IncomingMessage.prototype, '_addHeaderLine')?.value;
allow(OutgoingMessage.prototype, ['headersSent', 'writableEnded']);
// `searchParams` is left out: it creates the URLSearchParams on first read, through `this.search`.
allow(URL.prototype, ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);
allow(URLSearchParams.prototype, ['size']);
allow(AbortSignal.prototype, ['aborted', 'reason']);

/** fetch's classes: `referrer` is left out (it calls `toString` on a URL the app can patch). */
const FETCH_GETTERS: Readonly<Record<string, readonly string[]>> = {
  Request: [
    'method',
    'url',
    'headers',
    'destination',
    'mode',
    'credentials',
    'cache',
    'redirect',
    'integrity',
    'keepalive',
    'signal',
    'bodyUsed',
    'duplex',
  ],
  Response: ['type', 'url', 'redirected', 'status', 'ok', 'statusText', 'headers', 'bodyUsed'],
};
/** The module Node loads fetch's classes from. */
const UNDICI = 'internal/deps/undici/undici';
/**
 * What fetch's globals were when the agent started, to tell Node's classes from an app's
 * replacement later. Read now only when that loads nothing: on Node 20 they are accessors whose
 * getter is kept; on Node 22 and later they are lazy properties whose descriptor alone loads
 * undici (./lazy-globals.ts), so unless the app's preloads already did, they stay unread
 * (`lazy`) until the app loads undici itself.
 */
const lazyGlobals = globalsAreLazy && !builtinLoaded(UNDICI);
const fetchGlobals = Object.keys(FETCH_GETTERS).map((name) => ({
  name,
  atStart: lazyGlobals ? ('lazy' as const) : getOwnPropertyDescriptor(globalThis, name),
}));
let fetchResolved = false;
/** How each of Node's fetch getters begins: a brand check on the receiver (`_Request` in Node's bundled undici). */
const BRAND_CHECKED = /^get \w+\(\) \{\s*webidl\.brandCheck\(this, _?(?:Request|Response)\);/;

/**
 * The getters of a fetch class found on a global that held no class of its own at start (Node
 * 20's lazy accessor once read, Node 22's lazy property). The app had its chance to write the
 * global before undici loaded (both are writable, and a write leaves the same data property
 * Node's first read leaves), so the class itself is no proof: its getters are
 * kept only when the first one's source (read with the toString taken at start) is undici's, a
 * brand check on the receiver (`method` of Request, `type` of Response; Node 20's undici leaves
 * it out of a few others, such as `credentials`). Replacements apps really install (node-fetch,
 * cross-fetch, whatwg-fetch, test doubles) fail that and are refused; the npm undici passes, and
 * its getters are the same code. Only code written to copy undici's source with its own
 * `webidl` in scope could pass, and code written to fool the agent in its own process is beyond
 * what a check here could stop.
 */
function allowBrandChecked(proto: object, keys: readonly string[]): void {
  if (undiciBrandChecked(getterOf(proto, keys[0]!), BRAND_CHECKED)) allow(proto, keys);
}

/** `value`'s prototype getters among `keys`, kept as `how` decides, when `value` is a class. */
const allowClass = (value: unknown, keys: readonly string[], how: (proto: object, keys: readonly string[]) => void): void => {
  if (typeof value === 'function' && typeof value.prototype === 'object') how(value.prototype as object, keys);
};

/**
 * Takes fetch's classes once Node has loaded them for the app (never loading them itself): a
 * global still holding Node's lazy accessor is read through it, as the app's first use would.
 */
function resolveFetchClasses(): void {
  if (fetchResolved || !builtinLoaded(UNDICI)) return;
  fetchResolved = true;
  for (const { name, atStart } of fetchGlobals) {
    if (atStart === undefined) continue;
    const keys = FETCH_GETTERS[name]!;
    if (atStart !== 'lazy' && isDataDescriptor(atStart)) {
      allowClass(atStart.value, keys, allow);
      continue;
    }
    const now = getOwnPropertyDescriptor(globalThis, name);
    // Node 20's accessor, unread yet: its getter is the one taken at start, so is its class.
    if (atStart !== 'lazy' && now?.get !== undefined && now.get === atStart.get) allowClass(apply(now.get, globalThis, []), keys, allow);
    // Otherwise a data property, which Node's first read leaves (Node 20's setter, Node 22's lazy
    // property) and an app's write leaves too: only undici's getters pass.
    else if (now !== undefined && isDataDescriptor(now)) allowClass(now.value, keys, allowBrandChecked);
  }
}
if (fetchGlobals.every(({ atStart }) => atStart !== undefined && atStart !== 'lazy' && isDataDescriptor(atStart))) {
  fetchResolved = true;
  for (const { name, atStart } of fetchGlobals)
    allow(((atStart as PropertyDescriptor).value as { prototype: object }).prototype, FETCH_GETTERS[name]!);
}

/** Where `key` resolves on `object`: the descriptor, or undefined (absent, or behind a Proxy). */
function lookup(object: object, key: string): PropertyDescriptor | undefined {
  let current: object | null = object;
  for (let depth = 0; current !== null && depth < MAX_PROTOTYPE_DEPTH; depth++) {
    if (isProxy(current)) return undefined;
    const descriptor = getOwnPropertyDescriptor(current, key);
    if (descriptor !== undefined) return descriptor;
    current = getPrototypeOf(current);
  }
  return undefined;
}

/** `headers` calls `this._addHeaderLine` and reads `this.rawHeaders`: both must still be the platform's. */
function headersIsPlatformOnly(receiver: object): boolean {
  const method = lookup(receiver, '_addHeaderLine');
  const raw = lookup(receiver, 'rawHeaders');
  return method?.value === addHeaderLine && addHeaderLine !== undefined && raw !== undefined && isDataDescriptor(raw);
}

/** The framework getters the agent's configuration opts into (an unreadable list allows none, and says so). */
const frameworkGetters = ((): FrameworkGetters | undefined => {
  const text = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.LIVEPROBE_FRAMEWORK_GETTERS;
  try {
    const wanted = parseFrameworkGetters(text);
    return wanted.length === 0 ? undefined : new FrameworkGetters(wanted);
  } catch (err) {
    process.stderr.write(`[liveprobe] ${errorMessage(err)}; no framework getter is allowed\n`);
    return undefined;
  }
})();

/** True when `getter`, found on `receiver`'s prototype chain, is a platform getter safe to run on it (or an opted-in framework getter). */
export function isPlatformGetter(getter: unknown, receiver: object): boolean {
  if (getter === undefined) return false;
  if (getter === headersGetter) return headersIsPlatformOnly(receiver);
  if (setHas(allowed, getter)) return true;
  if (frameworkGetters?.allows(getter) === true) return true;
  if (fetchResolved) return false;
  resolveFetchClasses();
  return setHas(allowed, getter);
}
