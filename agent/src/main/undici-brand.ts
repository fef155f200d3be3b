/**
 * Whether a method of a class found on a global is undici's own (fetch's `FormData`, `Headers`,
 * `Request`, `Response`): its source, read with the `Function.prototype.toString` taken when the
 * agent loaded, begins as `pattern` says, with undici's brand check on the receiver
 * (`webidl.brandCheck(this, _Request)` in Node's bundled undici). An app can write those globals
 * before Node loads undici, so the class alone is no proof; a replacement (node-fetch, a test
 * double) fails this. A Proxy is refused before its source is asked for, so no trap of the app's runs.
 */
import { types } from 'node:util';
import { regexpExec } from './builtins.js';

const { isProxy } = types;
const apply = Reflect.apply;
const fnToString = Function.prototype.toString;

export function undiciBrandChecked(fn: unknown, pattern: RegExp): boolean {
  return typeof fn === 'function' && !isProxy(fn) && regexpExec(pattern, apply(fnToString, fn, []) as string) !== null;
}
