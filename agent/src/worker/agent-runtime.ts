/**
 * The agent's engine side, wherever it runs: the worker thread of an in-process agent, or a
 * sidecar attached to a remote target (`liveprobe attach`). It joins the fleet over MQTT,
 * reconciles desired state into breakpoints through a CDP transport, and turns the hook's
 * messages into OpenTelemetry and live events.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import {
  type Action,
  type ActionStatusEvent,
  type AgentOnline,
  type ExceptionAction,
  HEARTBEAT_SECONDS,
  topics,
} from '@liveprobe/protocol';
import type { HookChannel, ToMain, ToWorker } from '../bridge.js';
import { Blocklist } from '../locate/blocklist.js';
import { BrokerLink } from './broker-link.js';
import { StartupReadiness } from './startup-readiness.js';
import type { CdpTransport } from './cdp-transport.js';
import type { AgentConfig, AgentSettings } from '../settings/agent-config.js';
import { watchConfigFile } from './config-watch.js';
import { ExceptionPath } from './exception-path.js';
import { ExceptionWatch } from './exception-watch.js';
import { AppMeterLink } from './app-meter-link.js';
import { HitRelay } from './hit-relay.js';
import { HookSettingsSender } from './hook-settings-sender.js';
import { LiveOutput } from './live-output.js';
import { NotExported } from './not-exported.js';
import { OtelExport } from './otel-export.js';
import type { CpuClock } from './main-thread-cpu.js';
import { ProbeEngine, type StatusReport } from './probe-engine.js';
import { QuietHeapRelease } from './quiet-heap-release.js';
import type { PreparedSites } from './prepared/prepared-sites.js';
import type { SettingsChanges } from './settings-changes.js';
import { SettingsReload } from './settings-reload.js';
import { isoTime } from '../iso-time.js';
import { conditionsRunAgainAtThrow } from './throw-reruns-version.js';
import { PauseReaders } from './pause-readers.js';
import { wantsAppLoggers } from '../settings/app-logger-setting.cjs';

export interface RuntimeOptions {
  config: AgentConfig;
  /** Where the probe hook listens. */
  hook: HookChannel;
  /** A new CDP session each time the engine needs one. */
  transport: () => CdpTransport;
  /**
   * The session opened before the app's first module (LIVEPROBE_INSPECTOR_SESSION=startup): the
   * probe engine takes it and keeps it open.
   */
  startupSession?: CdpTransport | undefined;
  /** What the birth message says about the process being debugged, when it is not this one. */
  identity?: Partial<Pick<AgentOnline, 'hostname' | 'pid' | 'runtime' | 'runtimeVersion' | 'startedAt'>>;
  log: (line: string) => void;
  /** Prepared files of an in-process agent (install path 2). */
  prepared?: PreparedSites;
  /** Whether files are prepared as they load (LIVEPROBE_PREPARE): exception actions may then take the prepared path. */
  preparing?: boolean;
  /** Where the OpenTelemetry exporters read their `OTEL_*` settings; the process's environment by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the exception watch pauses the target and arms its captures, when not through
   * `transport` and `hook`: an attached target's second connection (remote/exception-link.ts).
   */
  exceptions?: { transport: () => CdpTransport; hook: HookChannel };
  /** Called once the app's exit notice has been handled: session closed, exports flushed. */
  exited?: () => void;
  /** The app's main thread's CPU clock, when the agent runs inside the app on a system that has one. */
  mainCpu?: CpuClock | undefined;
  /** Told whether V8 pauses before new scripts: the app's CommonJS loader then gates each module (main/commonjs-loader.ts). */
  pausing?: (on: boolean) => void;
  /** false: log lines cannot go to the app's console or logger (an attached target); default true. */
  appOutputs?: boolean;
  /** The debugged process's V8 version, when it is not this one's ('' when unknown: a browser page). */
  v8Version?: string;
}

export interface AgentRuntime {
  readonly engine: ProbeEngine;
  readonly exceptions: ExceptionWatch;
  readonly link: BrokerLink;
  /** One message from the hook. */
  handle(message: ToWorker | ToWorker[]): void;
  /** Removes every breakpoint and leaves the fleet. */
  close(): Promise<void>;
}

const LOGGER_UNWATCHED =
  "its `logger` output prints on the app's console: the agent watches for the app's pino or winston logger only when started with LIVEPROBE_APP_LOGGER=on (or `logger` in LIVEPROBE_LOG_OUTPUTS)";

export function startRuntime({
  config,
  hook,
  transport,
  startupSession,
  identity,
  log,
  prepared,
  preparing = false,
  env = process.env,
  exceptions: exceptionLink,
  exited,
  mainCpu,
  pausing,
  appOutputs = true,
  v8Version = process.versions.v8,
}: RuntimeOptions): AgentRuntime {
  // Desired state only arrives after broker.start(), by which time the engine exists.
  const readiness = new StartupReadiness(() => hook.postMessage({ t: 'ready' }));
  const broker = new BrokerLink(config, topics(config.topicPrefix), (actions) => readiness.desired(reconcile(actions)), log, identity);
  broker.onSubscribed(() => readiness.subscribed());
  const publishStatus = (status: StatusReport): void => {
    const event: ActionStatusEvent = { kind: 'action_status', agentId: config.agentId, time: isoTime(Date.now()), ...status };
    if (config.logLevel === 'debug')
      log(`${status.actionId}: ${status.state}${status.message === undefined ? '' : ` (${status.message})`}`);
    broker.publishStatus(event);
    if (status.state === 'removed' || status.state === 'expired' || status.state === 'hit_limit') {
      otel.endMetrics(status.actionId);
      relay.forget(status.actionId);
    }
  };
  // An error at a hit (an expression that fails there) leaves the action installed: the totals of
  // what was not exported are added to that error, not to an `installed` that would hide it.
  const hitErrors = new Map<string, StatusReport>();
  // A log action that asks for the app's logger while the agent does not watch for one prints on
  // the app's console instead: its status says so, and how to have the logger.
  const watchesLoggers = !appOutputs || wantsAppLoggers(env);
  const wantsLogger = new Set<string>();
  const withLoggerNote = (status: StatusReport): StatusReport =>
    status.state === 'installed' && wantsLogger.has(status.actionId)
      ? { ...status, message: status.message === undefined ? LOGGER_UNWATCHED : `${status.message}; ${LOGGER_UNWATCHED}` }
      : status;
  const report = ({ restated, ...reported }: StatusReport): void => {
    const status = withLoggerNote(reported);
    // How a breakpoint samples is news about its install: an expression that failed at a hit stays
    // the status (it used to be replaced, and `liveprobe actions` showed the action as fine).
    const failed = hitErrors.get(status.actionId);
    if (restated === true && failed !== undefined) return publishStatus({ ...failed, message: `${failed.message}; ${status.message}` });
    if (status.state === 'error' && status.location !== undefined) hitErrors.set(status.actionId, status);
    else hitErrors.delete(status.actionId);
    publishStatus(status);
  };
  // The two sessions on the app share its pauses (pause-readers.ts).
  const pauses = new PauseReaders();
  const engine = new ProbeEngine(
    hook,
    report,
    log,
    transport,
    new Blocklist(config.blocklist),
    prepared,
    startupSession,
    mainCpu,
    pausing,
    pauses,
  );
  // Exception actions have no line: they go to their own session, not to breakpoints.
  const exceptions = new ExceptionWatch(
    exceptionLink?.hook ?? hook,
    report,
    exceptionLink?.transport ?? transport,
    () => engine.newKey(),
    log,
    new ExceptionPath(() => prepared !== undefined && preparing, prepared !== undefined),
    conditionsRunAgainAtThrow(v8Version),
    pauses,
  );
  const reconcile = async (actions: readonly Action[]): Promise<void> => {
    const isException = (a: Action): a is ExceptionAction => a.type === 'exception';
    wantsLogger.clear();
    for (const a of actions) if (!watchesLoggers && a.type === 'log' && a.outputs?.includes('logger')) wantsLogger.add(a.id);
    await Promise.all([engine.reconcile(actions.filter((a) => !isException(a))), exceptions.reconcile(actions.filter(isException))]);
  };
  const live = new LiveOutput(config.liveOutputPerSecond, config.agentId, (event) => broker.publishEvent(event));
  const otel = new OtelExport(config.agentId, env, log);
  const notExported = new NotExported({
    agentId: config.agentId,
    publish: (event) => broker.publishEvent(event),
    metric: (actionId, reason, count, limit) => otel.countNotExported(actionId, reason, count, limit),
    status: (actionId, totals) => {
      const installed = engine.statusOf(actionId);
      const status = installed === undefined ? undefined : (hitErrors.get(actionId) ?? installed);
      if (status !== undefined) publishStatus({ ...status, message: `${status.message}; not exported so far: ${totals}` });
    },
  });
  otel.notExported = (actionId, reason, count) => notExported.add(actionId, reason, count);
  engine.onSampledOut = (actionId, count) => notExported.add(actionId, 'sampled_estimated', count);
  const appMeter = new AppMeterLink(hook);
  const useAppMeter = (usable: boolean): void => {
    otel.useAppMeter(usable ? appMeter.send : undefined);
    log(
      usable
        ? "metric actions go through the app's OpenTelemetry MeterProvider (handed to LiveprobeInstrumentation)"
        : "the app's OpenTelemetry MeterProvider was replaced by one without a metric reader; metric actions go through the agent's own exporter",
    );
  };
  const relay = new HitRelay(config.agentId, engine, exceptions, live, otel, broker, report, notExported);
  if (prepared !== undefined) {
    prepared.counts.counted = (key, hits) => {
      relay.counted(key, hits);
      hook.postMessage({ t: 'counted', key, hits });
    };
    relay.settleCounts = (key) => prepared.counts.read(key);
  }

  hook.postMessage({
    t: 'init',
    agentId: config.agentId,
    capture: config.capture,
    redaction: config.redaction,
    quotas: config.quotas,
    logOutputs: config.logOutputs,
  } satisfies ToMain);
  broker.start();
  broker.startHeartbeat(HEARTBEAT_SECONDS, () => engine.size);

  const hookSettings = new HookSettingsSender(hook);
  const applySettings = async (settings: AgentSettings, changes: SettingsChanges): Promise<void> => {
    await Promise.all([
      changes.hook ? hookSettings.send(settings) : undefined,
      changes.blocklist ? engine.applyBlocklist(new Blocklist(settings.blocklist)) : undefined,
    ]);
  };
  let stopWatching: (() => void) | undefined;
  if (config.configFile !== undefined) {
    const reload = new SettingsReload({
      path: config.configFile,
      env,
      settings: config,
      prepare: config.prepareSection,
      apply: applySettings,
      log,
    });
    stopWatching = watchConfigFile(config.configFile, () => reload.reload());
  }
  const quietRelease = new QuietHeapRelease();
  return {
    engine,
    exceptions,
    link: broker,
    handle(received) {
      quietRelease.activity();
      // The main thread sends hits in batches; the exit notice comes alone.
      for (const message of Array.isArray(received) ? received : [received]) {
        if (message.t === 'exit') {
          // The app's thread has counted its last hits: they go out with the rest.
          prepared?.counts.readAll();
          engine.close();
          exceptions.close();
          // Batched records would wait for their timers, which an exiting process does not have;
          // an exception captured on the way out is still being published.
          relay
            .settled()
            .then(() => otel.flush())
            .catch((err: unknown) => log(`could not flush OpenTelemetry before exit: ${errorMessage(err)}`))
            .then(() => broker.leaveIfNeverConnected())
            .finally(() => exited?.());
        } else if (message.t === 'settings-applied') hookSettings.confirmed(message.version);
        else if (message.t === 'notice') log(message.message);
        else if (message.t === 'calibrated') engine.calibrated(message);
        else if (message.t === 'app-meter') useAppMeter(message.usable);
        else if (message.t === 'prepare-summary') broker.updateStatus({ prepare: message.summary });
        else relay.handle(message);
      }
    },
    async close() {
      quietRelease.close();
      stopWatching?.();
      notExported.close();
      engine.close();
      exceptions.close();
      await broker.close();
      await otel.shutdown();
    },
  };
}
