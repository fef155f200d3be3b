/**
 * Loads a bundled CommonJS file of the agent's (the standby link's mqtt) so that the globals it
 * reads (`Symbol`, `Object`, `Uint8Array`, `Buffer`, `setTimeout`…) are the values they had when
 * the agent loaded, before the app's code ran. The file runs on the app's thread, later, from the
 * agent's timers and sockets: an app that replaces a global, even for a moment
 * (`globalThis.Symbol = undefined` around a call of its own), must not make that code throw into
 * it. Each global the file reads (listed at build time, agent/scripts/free-globals.mjs) becomes a
 * parameter of the function the file is compiled into; no global of the app is read or written,
 * and no realm of its own is made, so objects cross between the file and Node as before. What
 * this does not cover, an app changing a built-in prototype (`Function.prototype.call`), the
 * link's callers guard (main/standby-link.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { COMMONJS_PARAMS, runCommonJsPieces } from '../commonjs-pieces.js';

/**
 * Runtime objects Node defines as getters that are cheap to read (already made at start-up).
 * Other getters (`fetch`, `Response`, `Blob`…) load a module when first read: the file reads
 * those as globals, as before.
 */
const EAGER_GETTERS = new Set(['process', 'Buffer', 'performance']);

/** The globals as they are when the agent loads: data properties, and the cheap getters' values. */
const captured: ReadonlyMap<string, unknown> = (() => {
  const values = new Map<string, unknown>();
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name)!;
    if ('value' in descriptor) values.set(name, descriptor.value);
    else if (EAGER_GETTERS.has(name)) values.set(name, Reflect.get(globalThis, name));
  }
  return values;
})();
const { create, defineProperty } = Object;
const parseJson = JSON.parse;
const arrayFilter = Array.prototype.filter;
const arrayMap = Array.prototype.map;
const mapHas = Map.prototype.has;
const mapGet = Map.prototype.get;
const apply = Reflect.apply;

/** `file`'s exports (a file in pieces, ../commonjs-pieces.ts); `file`.globals.json lists the globals it reads. Not put in any require cache. */
export function requireWithPristineGlobals(file: string): unknown {
  const read = parseJson(readFileSync(`${file}.globals.json`, 'utf8')) as string[];
  const names = apply(arrayFilter, read, [(name: string) => apply(mapHas, captured, [name]) as boolean]) as string[];
  const values = apply(arrayMap, names, [(name: string) => apply(mapGet, captured, [name])]) as unknown[];
  // `globalThis` and `global` in the file: the captured values over the real global object (for
  // what the app or Node defines later, and writes such as polyfills, which stay the file's).
  const global: object = create(globalThis);
  for (let i = 0; i < names.length; i++) defineProperty(global, names[i]!, { value: values[i], writable: true, configurable: true });
  const params = [...COMMONJS_PARAMS, ...names];
  const args: unknown[] = [{}, createRequire(file), undefined, file, dirname(file), ...values];
  for (const name of ['globalThis', 'global']) {
    const at = params.indexOf(name);
    if (at !== -1) args[at] = global;
  }
  const module = { exports: args[0] };
  args[2] = module;
  runCommonJsPieces(file, params, args);
  return module.exports;
}
