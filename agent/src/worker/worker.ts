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

function start(
  { port, sessionOpen, exitFlushed, linkUp, pausingBeforeScripts, prepared, preparing, prepareCache, startedAt }: WorkerData,
  config: AgentConfig,
): void {
  const log = (line: string): void => {
    if (config.logLevel !== 'silent') process.stderr.write(`[liveprobe] ${line}\n`);
  };
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
    prepared: new PreparedSites(prepared, new AnalysisCache<AnalysedSource | undefined>(), prepareCache),
    preparing,
    mainCpu: mainThreadCpu(),
    pausing: (on) => {
      Atomics.store(pausingBeforeScripts, 0, on ? 1 : 0);
      if (on && !gating) port.postMessage({ t: 'pausing-scripts' } satisfies ToMain);
      gating ||= on;
    },
  });
  runtime.link.onSubscribed(() => Atomics.store(linkUp, 0, 1));
  port.on('message', (message: ToWorker) => runtime.handle(message));
}

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
