/**
 * Stands in for every `node:*` module the probe hook imports when it is bundled for a remote
 * target (agent/scripts/bundle-remote-hook.mjs resolves each `node:` import here). In a Node
 * target each export is the real built-in; elsewhere it is the safest equivalent.
 */
import type * as asyncHooks from 'node:async_hooks';
import type * as bufferTypes from 'node:buffer';
import type * as httpTypes from 'node:http';
import type * as moduleTypes from 'node:module';
import type * as util from 'node:util';
import type * as vm from 'node:vm';
import { builtin, nodeProcess } from './platform.js';

const never = (): boolean => false;

/**
 * Without `node:util` nothing proves an object is not a Proxy, and reading a Proxy runs the
 * page's traps: every object and function counts as one, so the hook never reads through it.
 */
const conservativeTypes = {
  isProxy: (value: unknown): boolean => value !== null && (typeof value === 'object' || typeof value === 'function'),
  isMap: never,
  isSet: never,
  isDate: never,
  isRegExp: never,
  isNativeError: never,
  isTypedArray: never,
  isBoxedPrimitive: never,
  isArrayBuffer: never,
  isSharedArrayBuffer: never,
  isDataView: never,
  isNumberObject: never,
  isStringObject: never,
  isBooleanObject: never,
  isBigIntObject: never,
};

export const types: typeof util.types =
  nodeProcess === undefined ? (conservativeTypes as unknown as typeof util.types) : builtin<typeof util>('node:util').types;

/**
 * The seed of ids (unique-id.ts): a Node target's own clock and pid; a page has neither, so its
 * clock is random bits from its crypto, which costs a page nothing.
 */
export const hrtime: { bigint(): bigint } = nodeProcess?.hrtime ?? {
  bigint: () => {
    const [high, low] = crypto.getRandomValues(new Uint32Array(2));
    return (BigInt(high!) << 32n) | BigInt(low!);
  },
};
export const pid: number = nodeProcess?.pid ?? 0;

/** File URLs become paths; the hook's own `liveprobe://` URL and page URLs stay as they are. */
export function fileURLToPath(url: string | URL): string {
  const text = String(url);
  return text.startsWith('file://') ? decodeURIComponent(new URL(text).pathname) : text;
}

/** A remote hook has no port queue: `receive` is called directly, in order, over CDP. */
export function receiveMessageOnPort(): undefined {
  return undefined;
}

/** Pages have no async context: a tic and its toc pair only within one synchronous run. */
class SyncLocalStorage<T> {
  private store: T | undefined;
  getStore(): T | undefined {
    return this.store;
  }
  enterWith(store: T): void {
    this.store = store;
  }
}

export const AsyncLocalStorage: typeof asyncHooks.AsyncLocalStorage =
  nodeProcess === undefined
    ? (SyncLocalStorage as unknown as typeof asyncHooks.AsyncLocalStorage)
    : builtin<typeof asyncHooks>('node:async_hooks').AsyncLocalStorage;

/** The http classes whose getters expressions may run (platform-getters.ts); a page has none, so no getter of theirs. */
const http = nodeProcess === undefined ? undefined : builtin<typeof httpTypes>('node:http');
const NoGetters = class {};
export const IncomingMessage: typeof httpTypes.IncomingMessage =
  http?.IncomingMessage ?? (NoGetters as unknown as typeof httpTypes.IncomingMessage);
export const OutgoingMessage: typeof httpTypes.OutgoingMessage =
  http?.OutgoingMessage ?? (NoGetters as unknown as typeof httpTypes.OutgoingMessage);

/** The File whose getters a FormData's file entries are read through (form-data-entries.ts); a page's files are not read. */
export const File: typeof bufferTypes.File =
  nodeProcess === undefined ? (NoGetters as unknown as typeof bufferTypes.File) : builtin<typeof bufferTypes>('node:buffer').File;

/** Framework getters (framework-getters.ts) come from the app's loaded modules; a page has none. */
export const createRequire: typeof moduleTypes.createRequire =
  nodeProcess === undefined
    ? ((() => ({
        cache: {},
        resolve: () => {
          throw new Error('no modules in this target');
        },
      })) as unknown as typeof moduleTypes.createRequire)
    : builtin<typeof moduleTypes>('node:module').createRequire;

/** Lists a fresh context's globals (main/lazy-globals.ts), asked only on a Node that has lazy globals. */
export const runInNewContext: typeof vm.runInNewContext =
  nodeProcess === undefined
    ? () => {
        throw new Error('node:vm is not available in this target');
      }
    : builtin<typeof vm>('node:vm').runInNewContext;

/** Compiles the `W` of a prepared file the agent leaves unbound (main/unbound-flags.ts): a page binds no prepared file. */
export const runInThisContext: typeof vm.runInThisContext =
  nodeProcess === undefined
    ? () => {
        throw new Error('node:vm is not available in this target');
      }
    : builtin<typeof vm>('node:vm').runInThisContext;
