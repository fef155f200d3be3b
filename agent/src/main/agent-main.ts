/**
 * Starts the agent from inside the app: exposes the probe hook and spawns the worker that
 * drives the inspector. Everything heavy (MQTT, zod, the OTel SDK) lives in the worker.
 */
import { isMainThread, MessageChannel, Worker } from 'node:worker_threads';
import { HOOK_KEY, type ToWorker, type WorkerData } from '../bridge.js';
import { AppOtel } from './app-otel.js';
import { ProbeHook } from './probe-hook.js';
import { installPrepare } from '../prepare/install.js';

/** The longest an exiting app waits for the agent to close its inspector session. */
const EXIT_WAIT_MS = 200;

export function startAgent(): void {
  const key = Symbol.for(HOOK_KEY);
  // Loaded twice (e.g. --import and --require both given) or inside a worker: one agent per process.
  if (!isMainThread || key in globalThis) return;
  const { port1, port2 } = new MessageChannel();
  const hook = new ProbeHook(port1, new AppOtel());
  Object.defineProperty(globalThis, key, { value: hook, enumerable: false });
  const sessionOpen = new Int32Array(new SharedArrayBuffer(4));
  // Install path 2: prepared files (LIVEPROBE_PREPARE); undefined when nothing is prepared.
  const prepared = installPrepare(hook, process.env, sessionOpen);
  const data: WorkerData = { port: port2, sessionOpen, ...(prepared === undefined ? {} : { prepared }) };
  process.once('exit', () => {
    if (Atomics.load(sessionOpen, 0) === 0) return;
    const message: ToWorker = { t: 'exit' };
    port1.postMessage(message);
    Atomics.wait(sessionOpen, 0, 1, EXIT_WAIT_MS);
  });
  const worker = new Worker(new URL('../worker/worker.js', import.meta.url), {
    workerData: data,
    transferList: prepared === undefined ? [port2] : [port2, prepared],
    // The app's own flags (loaders, --import of this agent) are not for the agent's thread.
    execArgv: [],
    name: 'liveprobe-agent',
  });
  worker.on('error', (err) => {
    process.stderr.write(`[liveprobe] the agent stopped: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  });
  // The agent must never keep the app alive.
  worker.unref();
  port1.unref();
}
