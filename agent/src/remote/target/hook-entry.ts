/**
 * The probe hook as injected into a remote target (`liveprobe attach`): the same ProbeHook as
 * in-process, bundled with its imports into one script (agent/scripts/bundle-remote-hook.mjs),
 * whose port is CDP: the sidecar calls `receive(json)` with Runtime.evaluate, and the hook's
 * messages go back in batches through a binding (Runtime.addBinding / Runtime.bindingCalled).
 */
import type { MessagePort } from 'node:worker_threads';
import { HOOK_GLOBAL, HOOK_KEY, type ToMain, type ToWorker } from '../../bridge.js';
import { AppOtel } from '../../main/app-otel.js';
import { ProbeHook } from '../../main/probe-hook.js';
import { HOOK_BINDING } from './binding.js';
import { platform } from './platform.js';

// Captured as the hook is injected, before the page's code can replace them.
const { isView } = ArrayBuffer;
const arrayFrom = Array.from;

/** Messages waiting for the next flush; beyond this the newest are dropped and counted. */
const MAX_QUEUED = 1000;

/** One binding call: the messages, and how many were dropped since the last call. */
export interface Batch {
  messages: ToWorker[];
  dropped: number;
}

interface RemoteHook {
  readonly NA: unknown;
  readonly NI: unknown;
  readonly LB: unknown;
  global(name: string): unknown;
  guard(name: string): unknown;
  readonly platform: typeof platform;
  hit(key: number, values: unknown[], self: unknown): void;
  throwHit(key: number, values: unknown[], self: unknown): boolean;
  raiseHit(key: number, values: unknown[], self: unknown, uncallable?: boolean): boolean;
  readonly everyThrow: boolean;
  throwRunPaused(): void;
  throwRunAtThrow(): void;
  receive(json: string): void;
  /** Sends what is queued now: while the target is paused, no microtask runs to send it. */
  flush(): void;
  /** Exception actions' captures of caught errors (exception-watch.ts), as on the in-process hook. */
  hold(key: number, error: unknown): void;
  heldKey(error: unknown): number;
  reached(error: unknown): boolean;
  atErrorHandler(error: unknown): boolean;
  /** Removes the hook from the target; later breakpoint conditions find nothing and return false. */
  detach(): void;
}

/** What injecting found: the platform it installed for, or why it did not install. */
export type InstallResult = typeof platform | 'attached' | 'in-process' | 'no-binding';

function install(): InstallResult {
  const key = Symbol.for(HOOK_KEY);
  const slots = globalThis as unknown as Record<symbol, unknown> & Record<string, unknown>;
  if (key in slots) {
    const existing = slots[key] as Partial<RemoteHook>;
    return typeof existing.detach === 'function' ? 'attached' : 'in-process';
  }
  const send = slots[HOOK_BINDING];
  if (typeof send !== 'function') return 'no-binding';

  let queue: ToWorker[] = [];
  let dropped = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (queue.length === 0 && dropped === 0) return;
    const batch: Batch = { messages: queue, dropped };
    queue = [];
    dropped = 0;
    try {
      // Packed log numbers are a Float64Array, which JSON would write as an object.
      (send as (payload: string) => void)(
        JSON.stringify(batch, (_key, value: unknown) => (isView(value) ? arrayFrom(value as Float64Array) : value)),
      );
    } catch {
      // The binding is gone (the sidecar detached): nothing left to tell.
    }
  };
  let listener: ((message: ToMain) => void) | undefined;
  const port = {
    on(_event: 'message', handler: (message: ToMain) => void) {
      listener = handler;
    },
    postMessage(message: ToWorker) {
      if (queue.length >= MAX_QUEUED) dropped++;
      else queue.push(message);
      if (scheduled) return;
      scheduled = true;
      // After the probed code's synchronous run: one binding call for every hit in it.
      queueMicrotask(flush);
    },
  };
  const hook = new ProbeHook(port as unknown as MessagePort, new AppOtel());
  const remote: RemoteHook = {
    NA: hook.NA,
    NI: hook.NI,
    LB: hook.LB,
    global: hook.global,
    guard: hook.guard,
    platform,
    hit: (k, values, self) => hook.hit(k, values, self),
    throwHit: (k, values, self) => hook.throwHit(k, values, self),
    raiseHit: (k, values, self, uncallable) => hook.raiseHit(k, values, self, uncallable),
    get everyThrow() {
      return hook.everyThrow;
    },
    throwRunPaused: () => hook.throwRunPaused(),
    throwRunAtThrow: () => hook.throwRunAtThrow(),
    receive: (json) => listener?.(JSON.parse(json) as ToMain),
    flush,
    hold: (k, error) => hook.hold(k, error),
    heldKey: (error) => hook.heldKey(error),
    reached: (error) => hook.reached(error),
    atErrorHandler: (error) => hook.atErrorHandler(error),
    detach: () => {
      delete slots[key];
      delete slots[HOOK_GLOBAL];
      delete slots[HOOK_BINDING];
    },
  };
  Object.defineProperty(globalThis, key, { value: remote, enumerable: false, configurable: true });
  Object.defineProperty(globalThis, HOOK_GLOBAL, { value: remote, enumerable: false, configurable: true });
  return platform;
}

/** Read by the wrapper the bundler puts around this script: the value of the injected script. */
export const result = install();
