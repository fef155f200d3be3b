/**
 * Which `Error.prepareStackTrace` formats a stack without running the app's code. Node 20.20, 22
 * and 24 set one of their own before any app code (`ErrorPrepareStackTrace`, its default
 * formatting), and the agent's accessor (stack-traces.ts) wraps whatever the app assigns: an
 * error's stack is safe to format under either, as long as the app assigned none of its own.
 */
import { isDataDescriptor } from './builtins.js';

const { getOwnPropertyDescriptor } = Object;

/** Node's own formatter, as found when the agent loaded (before the app could replace it). */
const NODE_FORMATTER = nodeFormatter();

/** The agent's accessor's getter, and what tells whether the app assigned a formatter behind it. */
let ownGetter: unknown;
let appFormatter: () => unknown = () => undefined;

function nodeFormatter(): unknown {
  const own = getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  return own !== undefined && isDataDescriptor(own) && typeof own.value === 'function' && own.value.name === 'ErrorPrepareStackTrace'
    ? own.value
    : undefined;
}

const formatsAsNode = (formatter: unknown): boolean => formatter === undefined || formatter === NODE_FORMATTER;

/** stack-traces.ts: its accessor is installed, and `formatter` reads what the app assigned since. */
export function ownStackAccessor(get: unknown, formatter: () => unknown): void {
  ownGetter = get;
  appFormatter = formatter;
}

/** Whether `descriptor` is the agent's accessor, whatever the app assigned behind it (defining a value over it and putting it back runs none of the app's code). */
export function isOwnStackAccessor(descriptor: PropertyDescriptor): boolean {
  return ownGetter !== undefined && descriptor.get === ownGetter;
}

/** Whether formatting a stack under `Error.prepareStackTrace`, as `descriptor` holds it, runs only Node's and the agent's code. */
export function formatsWithoutAppCode(descriptor: PropertyDescriptor | undefined): boolean {
  if (descriptor === undefined) return true;
  if (isDataDescriptor(descriptor)) return formatsAsNode(descriptor.value);
  return isOwnStackAccessor(descriptor) && formatsAsNode(appFormatter());
}
