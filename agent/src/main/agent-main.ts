/**
 * Starts the agent from inside the app: exposes the probe hook and spawns the worker that
 * drives the inspector. Everything heavy (MQTT, zod, the OTel SDK) lives in the worker.
 */
import { isMainThread, MessageChannel, Worker } from 'node:worker_threads';
import { HOOK_KEY, type ToWorker, type WorkerData } from '../bridge.js';
import { AppOtel } from './app-otel.js';
import { ProbeHook } from './probe-hook.js';
import { installPrepare } from '../prepare/install.js';

/** The longest an exiting app waits, by default, for the agent to close its session and flush its output. */
const EXIT_FLUSH_MS = 1000;

export function startAgent(): void {
  const key = Symbol.for(HOOK_KEY);
  // Loaded twice (e.g. --import and --require both given) or inside a worker: one agent per process.
  if (!isMainThread || key in globalThis) return;
  const { port1, port2 } = new MessageChannel();
  const hook = new ProbeHook(port1, new AppOtel());
  Object.defineProperty(globalThis, key, { value: hook, enumerable: false });
  const sessionOpen = new Int32Array(new SharedArrayBuffer(4));
  const exitFlushed = new Int32Array(new SharedArrayBuffer(4));
  const exitWaitMs = exitFlushMs(process.env);
  // Install path 2: prepared files (LIVEPROBE_PREPARE); undefined when nothing is prepared.
  const prepared = installPrepare(hook, process.env, sessionOpen);
  const data: WorkerData = { port: port2, sessionOpen, exitFlushed, ...(prepared === undefined ? {} : { prepared }) };
  // A job or a function that ends right after a hit would lose it, and batched exports with it.
  // Node also prints "Waiting for the debugger to disconnect..." if the session is still open.
  process.once('exit', () => {
    const pending = hook.flushForExit();
    if (!pending && Atomics.load(sessionOpen, 0) === 0) return;
    const message: ToWorker = { t: 'exit' };
    port1.postMessage(message);
    Atomics.wait(exitFlushed, 0, 0, exitWaitMs);
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

/** LIVEPROBE_EXIT_FLUSH_MS; read here because the main thread never loads the agent's config reader. */
function exitFlushMs(env: NodeJS.ProcessEnv): number {
  const text = env.LIVEPROBE_EXIT_FLUSH_MS?.trim();
  if (text === undefined || text === '') return EXIT_FLUSH_MS;
  const value = Number(text);
  if (Number.isFinite(value) && value >= 0) return value;
  process.stderr.write(`[liveprobe] LIVEPROBE_EXIT_FLUSH_MS="${text}" is not a number of milliseconds (0 or more); using ${EXIT_FLUSH_MS}\n`);
  return EXIT_FLUSH_MS;
}
