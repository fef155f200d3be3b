/**
 * How the agent joins the fleet: broker, id, tags, topic prefix, log level. Read by the app's
 * main thread, which keeps the broker link until the first action starts the worker
 * (main/standby-link.ts), and by the worker, through worker/config.ts.
 */
import { hostname } from 'node:os';
import { DEFAULT_TOPIC_PREFIX, isTopicSafe } from '@liveprobe/protocol';
import { type BrokerAddress, brokerAddress } from './broker-link-settings.js';
import { AgentConfigError } from './config-error.js';
import { processHex } from '../unique-id.js';

export interface ConnectionSettings {
  brokerUrl: string;
  /**
   * The broker URL as mqtt's connect options, parsed here, while the agent loads: the links connect
   * later, when an app may have replaced the globals parsing needs.
   */
  broker: BrokerAddress;
  tags: string[];
  agentId: string;
  topicPrefix: string;
  logLevel: 'silent' | 'info' | 'debug';
}

export function readConnection(env: NodeJS.ProcessEnv): ConnectionSettings {
  const tags = (env.LIVEPROBE_TAGS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const tag of tags) {
    if (!isTopicSafe(tag))
      throw new AgentConfigError(`LIVEPROBE_TAGS: "${tag}" is not a valid tag; use letters, digits, ".", "_", ":" or "-"`);
  }
  const agentId = env.LIVEPROBE_AGENT_ID?.trim() || defaultAgentId();
  if (!isTopicSafe(agentId))
    throw new AgentConfigError(`LIVEPROBE_AGENT_ID: "${agentId}" is not a valid id; use letters, digits, ".", "_", ":" or "-"`);
  const logLevel = env.LIVEPROBE_LOG_LEVEL ?? 'info';
  if (logLevel !== 'silent' && logLevel !== 'info' && logLevel !== 'debug') {
    throw new AgentConfigError(`LIVEPROBE_LOG_LEVEL: "${logLevel}" is not one of silent, info, debug`);
  }
  const brokerUrl = env.LIVEPROBE_BROKER_URL?.trim() || 'mqtt://127.0.0.1:1883';
  return {
    brokerUrl,
    broker: brokerAddress(brokerUrl),
    tags,
    agentId,
    topicPrefix: env.LIVEPROBE_TOPIC_PREFIX?.trim() || DEFAULT_TOPIC_PREFIX,
    logLevel,
  };
}

/** Readable and unique per process: host, pid and a suffix for a pid used again (pid 1 in every container). */
function defaultAgentId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 40) || 'host';
  return `${host}-${process.pid}-${processHex(6)}`;
}
