/**
 * Getters of the platform an expression may run: Node's `IncomingMessage`/`ServerResponse`,
 * `URL`, `URLSearchParams`, `AbortSignal` and fetch's `Request`/`Response`. Each only reads
 * state the object already holds, or (IncomingMessage `headers`) builds and keeps the value the
 * app's own first read would build, identically. Recognised by the identity of the getter
 * function taken from the platform when the agent starts, so an app's getter with the same
 * name, or on a subclass, is still refused.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { IncomingMessage, OutgoingMessage } from 'node:http';
import { types } from 'node:util';
import { arrayIncludes, isDataDescriptor, setHas } from './builtins.js';
import { FrameworkGetters, parseFrameworkGetters } from './framework-getters.js';

type Getter = (...args: unknown[]) => unknown;

const { getOwnPropertyDescriptor, getPrototypeOf } = Object;
const { isProxy } = types;
const apply = Reflect.apply;
const setAdd = Set.prototype.add;
const MAX_PROTOTYPE_DEPTH = 64;

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
/** Node defines fetch's globals lazily; what they were at start-up tells Node's loader from an app's replacement. */
const fetchGlobals = Object.keys(FETCH_GETTERS).map((name) => ({ name, atStart: getOwnPropertyDescriptor(globalThis, name) }));
const UNDICI_MODULE = 'NativeModule internal/deps/undici/undici';
let fetchResolved = false;
/** Node's list of the built-in modules it has loaded (absent in a page the hook is attached to). */
const moduleLoadList = (globalThis as { process?: { moduleLoadList?: readonly string[] } }).process?.moduleLoadList;

/**
 * Takes fetch's classes once Node has loaded them for the app (never loading them itself): a
 * global still holding Node's lazy accessor is read through it, as the app's first use would.
 */
function resolveFetchClasses(): void {
  if (fetchResolved || moduleLoadList === undefined || !arrayIncludes(moduleLoadList, UNDICI_MODULE)) return;
  fetchResolved = true;
  for (const { name, atStart } of fetchGlobals) {
    if (atStart === undefined) continue;
    const now = getOwnPropertyDescriptor(globalThis, name);
    let value: unknown;
    if (isDataDescriptor(atStart)) value = atStart.value;
    else if (now?.get !== undefined && now.get === atStart.get) value = apply(now.get, globalThis, []);
    else if (now !== undefined && isDataDescriptor(now) && now.writable === true && now.enumerable === atStart.enumerable)
      value = now.value;
    if (typeof value === 'function' && typeof value.prototype === 'object') allow(value.prototype as object, FETCH_GETTERS[name]!);
  }
}
if (fetchGlobals.every(({ atStart }) => atStart !== undefined && isDataDescriptor(atStart))) {
  fetchResolved = true;
  for (const { name, atStart } of fetchGlobals) allow((atStart!.value as { prototype: object }).prototype, FETCH_GETTERS[name]!);
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
