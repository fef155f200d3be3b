/**
 * The agent's worker thread: connects to the broker, reconciles desired state into
 * breakpoints on the main thread, and turns hits into OpenTelemetry records and live events.
 */
import { workerData } from 'node:worker_threads';
import { topics, type ActionStatusEvent } from '@liveprobe/protocol';
import type { ToWorker, WorkerData } from '../bridge.js';
import { BrokerLink } from './broker-link.js';
import { readConfig, type AgentConfig } from './config.js';
import { LiveOutput } from './live-output.js';
import { OtelExport } from './otel-export.js';
import { ProbeEngine, type StatusReport } from './probe-engine.js';

function start({ port, sessionOpen }: WorkerData, config: AgentConfig): void {
  const log = (line: string): void => {
    if (config.logLevel !== 'silent') process.stderr.write(`[liveprobe] ${line}\n`);
  };
  let link: BrokerLink;
  const report = (status: StatusReport): void => {
    const event: ActionStatusEvent = { kind: 'action_status', agentId: config.agentId, time: new Date().toISOString(), ...status };
    if (config.logLevel === 'debug') log(`${status.actionId}: ${status.state}${status.message === undefined ? '' : ` (${status.message})`}`);
    link.publishEvent(event);
  };
  const engine = new ProbeEngine(port, report, log, sessionOpen);
  link = new BrokerLink(config, topics(config.topicPrefix), (actions) => void engine.reconcile(actions), log);
  const live = new LiveOutput(config.liveOutputPerSecond, config.agentId, (event) => link.publishEvent(event));
  const otel = new OtelExport(config.agentId, process.env, log);

  port.postMessage({ t: 'init', agentId: config.agentId });
  port.on('message', (message: ToWorker) => {
    if (message.t === 'exit') return engine.close();
    const probe = engine.probeFor(message.key);
    if (probe === undefined) return;
    const { action } = probe;
    switch (message.t) {
      case 'out': {
        const file = probe.file ?? action.file;
        const line = probe.line ?? action.line;
        if (!message.emitted) {
          otel.emit({
            level: action.level, message: message.message, time: message.time,
            traceId: message.traceId, spanId: message.spanId, traceFlags: message.traceFlags,
            attributes: {
              'code.file.path': file, 'code.line.number': line,
              ...(probe.functionName === undefined ? {} : { 'code.function.name': probe.functionName }),
              'liveprobe.action.id': action.id, 'liveprobe.agent.id': config.agentId,
            },
          });
        }
        live.send({
          kind: 'output', agentId: config.agentId, time: new Date(message.time).toISOString(), actionId: action.id,
          level: action.level, message: message.message, file, line, traceId: message.traceId, spanId: message.spanId,
        });
        return;
      }
      case 'done':
        live.forget(action.id);
        void engine.finish(message.key, message.reason);
        return;
      case 'eval-error':
        report({
          actionId: action.id, state: 'error',
          message: `${message.message}${message.count > 1 ? ` (${message.count} times since the last report)` : ''}`,
          location: probe.file === undefined || probe.line === undefined ? undefined : { file: probe.file, line: probe.line },
        });
        return;
    }
  });
  link.start();
}

const data = workerData as WorkerData;
try {
  start(data, readConfig(process.env));
} catch (err) {
  process.stderr.write(`[liveprobe] the agent is disabled: ${err instanceof Error ? err.message : String(err)}\n`);
  data.port.close();
}
