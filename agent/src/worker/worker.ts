/**
 * The agent's worker thread: connects to the broker, reconciles desired state into
 * breakpoints on the main thread, and turns hits into OpenTelemetry and live events.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { workerData } from 'node:worker_threads';
import type { ToMain, ToWorker, WorkerData } from '../bridge.js';
import { startRuntime } from './agent-runtime.js';
import { MainThreadTransport } from './cdp-transport.js';
import { mainThreadCpu } from './main-thread-cpu.js';
import { readConfig, type AgentConfig } from '../settings/agent-config.js';
import type { AnalysedSource } from '../locate/source-analysis.js';
import { AnalysisCache } from './analysis-cache.js';
import { PreparedSites } from './prepared/prepared-sites.js';
import { StartupSession } from './startup-session.js';
import { lowerThreadPriority } from './thread-priority.js';
import { workerNice } from '../settings/worker-priority.js';
import { inspectorSessionMode } from '../settings/inspector-session-mode.js';
import { warmInstallPath } from './install-path-warmup.js';

function start(
  { port, sessionOpen, exitFlushed, linkUp, pausingBeforeScripts, prepared, copyGate, preparing, prepareCache, startedAt }: WorkerData,
  config: AgentConfig,
): void {
  const log = (line: string): void => {
    if (config.logLevel !== 'silent') process.stderr.write(`[liveprobe] ${line}\n`);
  };
  // Before the agent's own start-up work: from here on the app's thread wins a contended core.
  // After the start-up session opened (startup-entry.ts): the app's first module waits for that,
  // and a lowered thread would make it wait longer on a busy machine.
  const priority = lowerThreadPriority(workerNice(process.env));
  if (config.logLevel === 'debug') log(priority);
  // Whether the main thread has been told to gate its CommonJS modules: it stays so.
  let gating = false;
  const runtime = startRuntime({
    config,
    hook: port,
    transport: () => new MainThreadTransport(sessionOpen),
    startupSession: StartupSession.take(),
    identity: { startedAt },
    log,
    exited: () => {
      Atomics.store(exitFlushed, 0, 1);
      Atomics.notify(exitFlushed, 0);
    },
    prepared: new PreparedSites(prepared, new AnalysisCache<AnalysedSource | undefined>(), prepareCache, copyGate),
    preparing,
    mainCpu: mainThreadCpu(),
    pausing: (on) => {
      Atomics.store(pausingBeforeScripts, 0, on ? 1 : 0);
      if (on && !gating) port.postMessage({ t: 'pausing-scripts' } satisfies ToMain);
      gating ||= on;
    },
  });
  runtime.link.onSubscribed(() => Atomics.store(linkUp, 0, 1));
  // With the session open from start-up the app has chosen to pay at start, not at install: the
  // desired-state check (~170 M instructions compiled from its text, ~100 M from its code cache)
  // is compiled once now, after the retained desired states a subscription brings have had their
  // turn, and kept loaded: made again after each quiet spell, it was ~80 M of the ~90 M
  // instructions the worker spent on a removal, and of the ~220 M of a first install (BENCHMARKS.md).
  // The install path itself (parsing a script, arming an action, its condition) is run once on a
  // sample then too (install-path-warmup.ts): compiled for the first time, it was a third of the
  // first install's work on the worker, beside the cores the app's thread waits for.
  if (inspectorSessionMode(process.env) === 'startup') {
    runtime.link.keepCheckLoaded();
    let installPathWarm = false;
    runtime.link.onSubscribed(() =>
      setTimeout(() => {
        runtime.link.warmCheck();
        if (installPathWarm) return;
        installPathWarm = true;
        try {
          warmInstallPath();
          if (config.logLevel === 'debug') log(INSTALL_PATH_WARMED);
        } catch (err) {
          // The first install then compiles it, as without the warm-up.
          log(`the install path could not be run ahead of the first action: ${errorMessage(err)}`);
        }
      }, WARM_CHECK_AFTER_MS).unref(),
    );
  }
  port.on('message', (message: ToWorker) => runtime.handle(message));
}

/** After the subscription: retained desired states arrive at once and make the cache themselves. */
const WARM_CHECK_AFTER_MS = 1000;
const INSTALL_PATH_WARMED = 'install path compiled ahead of the first action';

const data = workerData as WorkerData;
try {
  start(data, readConfig(process.env));
} catch (err) {
  process.stderr.write(`[liveprobe] the agent is disabled: ${errorMessage(err)}\n`);
  // Opened at start-up (LIVEPROBE_INSPECTOR_SESSION=startup), it would keep V8's debugger on for nothing.
  StartupSession.take()?.disconnect();
  // An app waiting for the agent at start-up (LIVEPROBE_STARTUP_WAIT_MS) has nothing to wait for.
  data.port.postMessage({ t: 'ready' } satisfies ToMain);
  data.port.close();
}
