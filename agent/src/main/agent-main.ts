/**
 * Starts the agent from inside the app: exposes the probe hook, joins the fleet from this thread
 * (standby-link.ts) and spawns the worker that drives the inspector when the first action
 * arrives, or at once when something needs it from the start. Everything heavy (zod, the OTel
 * SDK, source analysis, the inspector) lives in the worker.
 */
import { isMainThread, MessageChannel, type MessagePort } from 'node:worker_threads';
import { HOOK_GLOBAL, HOOK_KEY, type ToMain, type ToWorker, type WorkerData } from '../bridge.js';
import { millisecondsFromEnv } from './env-milliseconds.js';
import { AppOtel } from './app-otel.js';
import { AppOutput } from './app-output.js';
import { ProbeHook } from './probe-hook.js';
import { installPrepare } from './prepared-install.js';
import { gateCommonJs, gateCompiledFunctions } from './commonjs-loader.js';
import { inspectorSessionMode } from '../settings/inspector-session-mode.js';
import { sparkplugOff } from '../settings/baseline-compiler.js';
import { createRequire } from 'node:module';
import type V8 from 'node:v8';
import { readConfig, type AgentConfig } from '../settings/agent-config.js';
import { launchEnv } from '../settings/launch-env.cjs';
import { AgentConfigError } from '../settings/config-error.js';
import { errorText } from './error-text.js';
import type { PrepareSummary } from '@liveprobe/protocol';
import { StandbyLink } from './standby-link.js';
import { clearTimer, dateNow, setTimer } from './builtins.js';
import { startWorker, workerAtStartup } from './worker-thread.js';
import { isoTime } from '../iso-time.js';

/** The longest an exiting app waits, by default, for the agent to close its session and flush its output. */
const EXIT_FLUSH_MS = 1000;

/** The hook's end of the channel to the worker, once the agent started in this process. */
let hookPort: MessagePort | undefined;

/**
 * Settles when the app may go on: at once, or with LIVEPROBE_STARTUP_WAIT_MS once the agent has
 * applied its first desired state (so a short job's first lines are probed) or the wait ran out.
 * Called by the `--import` entry right after startAgent; CommonJS cannot wait.
 */
export function agentStarted(): Promise<void> {
  const waitMs = millisecondsFromEnv(launchEnv(), 'LIVEPROBE_STARTUP_WAIT_MS', 0);
  return hookPort === undefined || waitMs === 0 ? Promise.resolve() : readyOrTimeout(hookPort, waitMs);
}

/** `settings`: LIVEPROBE_* values over the environment's (the OpenTelemetry instrumentation's options). */
export function startAgent(settings?: Record<string, string>): void {
  const key = Symbol.for(HOOK_KEY);
  // Loaded twice (e.g. --import and --require both given) or inside a worker: one agent per process.
  if (!isMainThread || key in globalThis) return;
  const env = { ...launchEnv(), ...settings };
  let config: AgentConfig;
  try {
    config = readConfig(env);
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    process.stderr.write(`[liveprobe] the agent is disabled: ${err.message}\n`);
    return;
  }
  const { port1, port2 } = new MessageChannel();
  const notice = (message: string): void => port1.postMessage({ t: 'notice', message } satisfies ToWorker);
  const appOutput = new AppOutput(env, (line) => process.stderr.write(`[liveprobe] ${line}\n`));
  const hook = new ProbeHook(port1, new AppOtel(notice), appOutput, true);
  hookPort = port1;
  Object.defineProperty(globalThis, key, { value: hook, enumerable: false });
  Object.defineProperty(globalThis, HOOK_GLOBAL, { value: hook, enumerable: false });
  const sessionOpen = new Int32Array(new SharedArrayBuffer(4));
  const exitFlushed = new Int32Array(new SharedArrayBuffer(4));
  const linkUp = new Int32Array(new SharedArrayBuffer(4));
  // Set when the app thread's link, having announced the agent, hands over to the worker.
  let handedOver = false;
  const exitWaitMs = millisecondsFromEnv(env, 'LIVEPROBE_EXIT_FLUSH_MS', EXIT_FLUSH_MS);
  const pausingBeforeScripts = new Int32Array(new SharedArrayBuffer(4));
  port1.on('message', (message: ToMain) => {
    if (message.t === 'pausing-scripts') gateCommonJs(pausingBeforeScripts);
  });
  gateCompiledFunctions();
  // Install path 2: prepared files (built by `liveprobe prepare`, or LIVEPROBE_PREPARE as they load).
  const prepared = installPrepare(hook, env, sessionOpen);
  const sessionMode = inspectorSessionMode(env);
  // Before the app's first module (with --import or --require): no function of the app gets
  // baseline code for a first breakpoint to discard with a walk over the heap
  // (settings/baseline-compiler.ts). node:v8 only then: it loads more of Node than an idle agent does.
  if (sparkplugOff(env, sessionMode)) (createRequire(import.meta.url)('node:v8') as typeof V8).setFlagsFromString('--no-sparkplug');
  const sessionReady = sessionMode === 'startup' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  const startedAt = isoTime(dateNow());
  const data: WorkerData = {
    port: port2,
    sessionOpen,
    exitFlushed,
    linkUp,
    pausingBeforeScripts,
    prepared: prepared.port,
    copyGate: prepared.copyGate,
    preparing: prepared.preparing,
    ...(prepared.cache === undefined ? {} : { prepareCache: prepared.cache }),
    startedAt,
    ...(sessionReady === undefined ? {} : { sessionReady }),
  };
  // A job or a function that ends right after a hit would lose it, and batched exports with it.
  // Node also prints "Waiting for the debugger to disconnect..." if the session is still open.
  process.once('exit', () => {
    const pending = hook.flushForExit();
    // Between the hand-over and the worker's link, the broker holds no Last Will for the agent.
    const unannounced = handedOver && Atomics.load(linkUp, 0) === 0;
    if (!pending && !unannounced && Atomics.load(sessionOpen, 0) === 0) return;
    const message: ToWorker = { t: 'exit' };
    port1.postMessage(message);
    Atomics.wait(exitFlushed, 0, 0, exitWaitMs);
  });
  port1.unref();
  // The worker's own id is this one: a random default must not be drawn twice.
  const workerEnv = { ...env, LIVEPROBE_AGENT_ID: config.agentId };
  const summaryToWorker = (summary: PrepareSummary): void => port1.postMessage({ t: 'prepare-summary', summary } satisfies ToWorker);
  const start = (): void => {
    // From now on the worker's status carries the prepared files' tally, from its birth on.
    const summary = prepared.tally.onChange(summaryToWorker);
    if (summary !== undefined) summaryToWorker(summary);
    startWorker(data, workerEnv, [port2, prepared.port]);
  };
  if (workerAtStartup(env)) {
    start();
    if (sessionReady !== undefined) waitForSession(sessionReady, env);
    return;
  }
  const log = (line: string): void => {
    if (config.logLevel === 'silent') return;
    try {
      process.stderr.write(`[liveprobe] ${line}\n`);
    } catch {
      // Node makes process.stderr on its first use, with built-ins the app may have replaced by
      // then (Function.prototype.call): a line the agent cannot write is not the app's failure.
    }
  };
  const debug = (line: string): void => {
    if (config.logLevel === 'debug') log(line);
  };
  const standby = StandbyLink.start({
    connection: config,
    startedAt,
    prepared: prepared.tally,
    handOver: () => {
      handedOver = true;
      debug("an action targets this agent: starting the agent's worker");
      // In an MQTT callback on the app's thread: a failure here must not reach the app.
      try {
        start();
      } catch (err) {
        log(`the agent could not start its worker and is disabled: ${errorText(err)}`);
      }
    },
    idle: () => standbyIdle?.(),
    log,
    debug,
  });
  standby.catch((err: unknown) => log(`the agent could not join the fleet and is disabled: ${errorText(err)}`));
}

/** Called once the app thread's link is subscribed with no action for this agent (LIVEPROBE_STARTUP_WAIT_MS). */
let standbyIdle: (() => void) | undefined;

/** The longest the app's start waits for the agent's inspector session (LIVEPROBE_INSPECTOR_SESSION=startup). */
const SESSION_WAIT_MS = 3000;

/**
 * Blocks until the worker's session is open, so V8 reports each of the app's scripts as it loads
 * rather than all at once at the first install. V8 serves the worker's commands during the wait.
 */
function waitForSession(ready: Int32Array, env: NodeJS.ProcessEnv): void {
  if (Atomics.wait(ready, 0, 0, SESSION_WAIT_MS) === 'timed-out') {
    process.stderr.write(
      `[liveprobe] the app starts before the agent's inspector session opened (waited ${SESSION_WAIT_MS} ms); when it opens, the app pauses while V8 reports the scripts loaded until then\n`,
    );
  } else if (env.LIVEPROBE_LOG_LEVEL === 'debug') {
    process.stderr.write('[liveprobe] inspector session open; the app starts\n');
  }
}

function readyOrTimeout(port: MessagePort, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    // Referenced on purpose: while it runs, it is what keeps the app's start-up waiting.
    const timer = setTimer(() => {
      process.stderr.write(
        `[liveprobe] the app goes on before the agent applied its actions: LIVEPROBE_STARTUP_WAIT_MS (${waitMs} ms) ran out\n`,
      );
      resolve();
    }, waitMs);
    const ready = (): void => {
      clearTimer(timer);
      resolve();
    };
    // Ready with nothing to apply (the app thread's link), or with the actions applied (the worker).
    standbyIdle = ready;
    port.on('message', (message: ToMain) => {
      if (message.t === 'ready') ready();
    });
  });
}
