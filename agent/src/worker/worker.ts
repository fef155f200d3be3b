/**
 * The agent's worker thread: connects to the broker, reconciles desired state into
 * breakpoints on the main thread, and turns hits into OpenTelemetry and live events.
 */
import { workerData } from 'node:worker_threads';
import { topics, type ActionStatusEvent } from '@liveprobe/protocol';
import type { ToMain, ToWorker, WorkerData } from '../bridge.js';
import { Blocklist } from './blocklist.js';
import { BrokerLink, HEARTBEAT_SECONDS } from './broker-link.js';
import { MainThreadTransport } from './cdp-transport.js';
import { readConfig, type AgentConfig } from './config.js';
import { HitRelay } from './hit-relay.js';
import { LiveOutput } from './live-output.js';
import { OtelExport } from './otel-export.js';
import { ProbeEngine, type StatusReport } from './probe-engine.js';

function start({ port, sessionOpen }: WorkerData, config: AgentConfig): void {
  const log = (line: string): void => {
    if (config.logLevel !== 'silent') process.stderr.write(`[liveprobe] ${line}\n`);
  };
  // Desired state only arrives after broker.start(), by which time the engine exists.
  const broker = new BrokerLink(config, topics(config.topicPrefix), (actions) => void engine.reconcile(actions), log);
  const report = (status: StatusReport): void => {
    const event: ActionStatusEvent = { kind: 'action_status', agentId: config.agentId, time: new Date().toISOString(), ...status };
    if (config.logLevel === 'debug') log(`${status.actionId}: ${status.state}${status.message === undefined ? '' : ` (${status.message})`}`);
    broker.publishStatus(event);
  };
  const engine = new ProbeEngine(port, report, log, () => new MainThreadTransport(sessionOpen), new Blocklist(config.blocklist));
  const live = new LiveOutput(config.liveOutputPerSecond, config.agentId, (event) => broker.publishEvent(event));
  const relay = new HitRelay(config.agentId, engine, live, new OtelExport(config.agentId, process.env, log), broker, report);

  port.postMessage({ t: 'init', agentId: config.agentId, capture: config.capture, redaction: config.redaction, quotas: config.quotas } satisfies ToMain);
  port.on('message', (message: ToWorker) => {
    if (message.t === 'exit') engine.close();
    else relay.handle(message);
  });
  broker.start();
  broker.startHeartbeat(HEARTBEAT_SECONDS, () => engine.size);
}

const data = workerData as WorkerData;
try {
  start(data, readConfig(process.env));
} catch (err) {
  process.stderr.write(`[liveprobe] the agent is disabled: ${err instanceof Error ? err.message : String(err)}\n`);
  data.port.close();
}
