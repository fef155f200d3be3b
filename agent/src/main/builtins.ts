/**
 * Built-ins the agent applies to application values, and those its own bookkeeping calls for
 * every value it reads, captured when the agent loads and "uncurried": `stringSlice(text, 0, 5)`
 * calls the original `String.prototype.slice` without looking up `slice`, `call` or `apply` on
 * a prototype the app may have replaced since.
 */
const bindCall = Function.prototype.call.bind(Function.prototype.bind, Function.prototype.call) as <T, A extends unknown[], R>(
  fn: (this: T, ...args: A) => R,
) => (self: T, ...args: A) => R;

export const stringSlice = bindCall(String.prototype.slice);
export const stringCharCodeAt = bindCall(String.prototype.charCodeAt);
export const stringIncludes = bindCall(String.prototype.includes);
export const stringStartsWith = bindCall(String.prototype.startsWith);
export const stringEndsWith = bindCall(String.prototype.endsWith);
export const stringToLowerCase = bindCall(String.prototype.toLowerCase);
export const regexpExec = bindCall(RegExp.prototype.exec);
export const setHas = bindCall(Set.prototype.has) as (set: ReadonlySet<unknown>, value: unknown) => boolean;
export const mapGet = bindCall(Map.prototype.get) as <K, V>(map: ReadonlyMap<K, V>, key: K) => V | undefined;
export const mapSet = bindCall(Map.prototype.set) as <K, V>(map: Map<K, V>, key: K, value: V) => Map<K, V>;
export const mapClear = bindCall(Map.prototype.clear) as (map: Map<unknown, unknown>) => void;
export const mapSize = bindCall(Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get!) as (
  map: ReadonlyMap<unknown, unknown>,
) => number;
/**
 * The agent's own timers and clocks, as they were when the agent loaded: an app may replace
 * `setTimeout`, `queueMicrotask`, `Date` or `performance.now` (fake-timer libraries do, for good:
 * @sinonjs/fake-timers and jest's timers redefine `now` on Node's one `performance` object, and
 * the `node:timers` module's functions too) and the agent's bookkeeping must not follow.
 */
export const setTimer = setTimeout;
export const clearTimer = clearTimeout;
export const setRepeat = setInterval;
export const clearRepeat = clearInterval;
/** Node's `setImmediate`; this module also runs in pages `liveprobe attach` reaches, which have none. */
export const setImmediateTask: (callback: () => void) => unknown =
  typeof setImmediate === 'function' ? setImmediate : (callback) => setTimeout(callback, 0);
export const enqueueMicrotask = queueMicrotask;
export const dateNow = Date.now;
/** `performance.now()` as Node defines it: the agent's monotonic clock (hit costs, windows, line stamps). */
export const monotonicNow: () => number = performance.now.bind(performance);
/** `performance.timeOrigin`, read once: what `monotonicNow()` counts from. */
export const TIME_ORIGIN = performance.timeOrigin;
export const arrayIncludes = bindCall(Array.prototype.includes) as (array: readonly unknown[], value: unknown) => boolean;

export const ownProperty = bindCall(Object.prototype.hasOwnProperty) as (target: object, key: PropertyKey) => boolean;

/**
 * Whether a descriptor from `Object.getOwnPropertyDescriptor` is a data property's. Not
 * `'value' in descriptor`: that also finds a `value` the app defined on `Object.prototype`, and
 * reading `descriptor.value` of an accessor would then run the app's getter. An accessor's
 * descriptor always has a `get` of its own, so one where `get` is found nowhere is a data
 * property's: `in` runs no code (a descriptor's prototype is Object.prototype, never a Proxy),
 * and V8 answers it from the descriptor's map, where the call to hasOwnProperty cost every
 * property a safe read reads ~100 instructions. Only when `get` is found (an accessor, or an
 * app that defined `get` on Object.prototype) is the descriptor asked properly.
 */
export const isDataDescriptor = (descriptor: PropertyDescriptor): boolean => !('get' in descriptor) || ownProperty(descriptor, 'value');

/** How many prototypes the agent's reads walk: a real chain is a handful deep, and one an app built thousands deep must not keep a hit walking. */
export const MAX_PROTOTYPE_DEPTH = 64;
