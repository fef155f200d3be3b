/** Every MQTT topic liveprobe uses, built in one place (docs/architecture.md §3). */
export const DEFAULT_TOPIC_PREFIX = 'liveprobe/v1';

/** Tags and agent ids become MQTT topic levels, so they may not contain `/`, `+`, `#` or spaces. */
export const TOPIC_SAFE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isTopicSafe(name: string): boolean {
  return TOPIC_SAFE.test(name);
}

export interface Topics {
  tagActions(tag: string): string;
  agentActions(agentId: string): string;
  agentStatus(agentId: string): string;
  agentEvents(agentId: string): string;
  /** Wildcards the control plane subscribes to. */
  allAgentStatus: string;
  allAgentEvents: string;
  /** Parses `…/agents/{id}/{kind}` back into its parts; undefined for any other topic. */
  parseAgentTopic(topic: string): { agentId: string; kind: 'status' | 'events' | 'actions' } | undefined;
}

export function topics(prefix: string = DEFAULT_TOPIC_PREFIX): Topics {
  const base = prefix.replace(/\/+$/, '');
  return {
    tagActions: (tag) => `${base}/tags/${tag}/actions`,
    agentActions: (agentId) => `${base}/agents/${agentId}/actions`,
    agentStatus: (agentId) => `${base}/agents/${agentId}/status`,
    agentEvents: (agentId) => `${base}/agents/${agentId}/events`,
    allAgentStatus: `${base}/agents/+/status`,
    allAgentEvents: `${base}/agents/+/events`,
    parseAgentTopic(topic) {
      if (!topic.startsWith(`${base}/agents/`)) return undefined;
      const rest = topic.slice(base.length + '/agents/'.length).split('/');
      if (rest.length !== 2) return undefined;
      const [agentId, kind] = rest as [string, string];
      if (kind !== 'status' && kind !== 'events' && kind !== 'actions') return undefined;
      return { agentId, kind };
    },
  };
}
