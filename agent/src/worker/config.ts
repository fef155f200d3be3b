/** The agent's configuration, read once from the environment when the worker starts. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DEFAULT_TOPIC_PREFIX, isTopicSafe } from '@liveprobe/protocol';

export interface AgentConfig {
  brokerUrl: string;
  tags: string[];
  agentId: string;
  topicPrefix: string;
  /** Live output events per second per action sent to the control plane; the rest are counted as dropped. */
  liveOutputPerSecond: number;
  logLevel: 'silent' | 'info' | 'debug';
}

export class AgentConfigError extends Error {
  readonly code = 'invalid_agent_config';
  override name = 'AgentConfigError';
}

export function readConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const tags = (env.LIVEPROBE_TAGS ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const tag of tags) {
    if (!isTopicSafe(tag)) throw new AgentConfigError(`LIVEPROBE_TAGS: "${tag}" is not a valid tag; use letters, digits, ".", "_", ":" or "-"`);
  }
  const agentId = env.LIVEPROBE_AGENT_ID?.trim() || defaultAgentId();
  if (!isTopicSafe(agentId)) throw new AgentConfigError(`LIVEPROBE_AGENT_ID: "${agentId}" is not a valid id; use letters, digits, ".", "_", ":" or "-"`);
  const logLevel = env.LIVEPROBE_LOG_LEVEL ?? 'info';
  if (logLevel !== 'silent' && logLevel !== 'info' && logLevel !== 'debug') {
    throw new AgentConfigError(`LIVEPROBE_LOG_LEVEL: "${logLevel}" is not one of silent, info, debug`);
  }
  const rate = Number(env.LIVEPROBE_LIVE_OUTPUT_PER_SECOND ?? 50);
  if (!Number.isFinite(rate) || rate < 0) throw new AgentConfigError('LIVEPROBE_LIVE_OUTPUT_PER_SECOND must be a non-negative number');
  return {
    brokerUrl: env.LIVEPROBE_BROKER_URL?.trim() || 'mqtt://127.0.0.1:1883',
    tags,
    agentId,
    topicPrefix: env.LIVEPROBE_TOPIC_PREFIX?.trim() || DEFAULT_TOPIC_PREFIX,
    liveOutputPerSecond: rate,
    logLevel,
  };
}

/** Readable and unique per process: host, pid and a random suffix. */
function defaultAgentId(): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
