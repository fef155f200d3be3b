import type { Topics } from '@liveprobe/protocol';

/** Who is on the other end of an MQTT connection, as the broker's access rules see it. */
export type MqttIdentity =
  | { kind: 'control-plane' }
  /** An agent: its client id is its agent id; `tags` from its token (`*`: every tag), `token` names it in log lines. */
  | { kind: 'agent'; agentId: string; tags: readonly string[]; token: string };

/**
 * The topic rules, the same as mosquitto/acl states them for Mosquitto: the control plane may
 * do anything under the prefix; an agent may read its tags' desired state and its own, and
 * publish its own status and events — nothing else, no wildcards.
 */
export class TopicAcl {
  constructor(private readonly topics: Topics) {}

  mayPublish(who: MqttIdentity, topic: string): boolean {
    if (who.kind === 'control-plane') return true;
    return topic === this.topics.agentStatus(who.agentId) || topic === this.topics.agentEvents(who.agentId);
  }

  /** Why a birth on the agent's own status topic may not be published (tags its token does not grant); undefined when it may. */
  birthRefusal(who: MqttIdentity, topic: string, payload: Buffer): string | undefined {
    if (who.kind !== 'agent' || topic !== this.topics.agentStatus(who.agentId) || payload.length === 0) return undefined;
    let status: { agentId?: unknown; tags?: unknown };
    try {
      status = JSON.parse(payload.toString('utf8')) as typeof status;
    } catch {
      return undefined; // not a report: the control plane ignores it and says so
    }
    if (status?.agentId !== undefined && status.agentId !== who.agentId) return `it speaks for agent "${String(status.agentId)}"`;
    if (who.tags.includes('*') || !Array.isArray(status.tags)) return undefined;
    const foreign = status.tags.filter((tag) => !who.tags.includes(String(tag)));
    if (foreign.length === 0) return undefined;
    return `it claims the tags ${foreign.join(', ')}, which its agent token ${who.token} does not grant (it grants ${who.tags.join(', ') || 'none'}); start the agent with LIVEPROBE_TAGS within those, or give it a token with --tag ${String(foreign[0])}`;
  }

  maySubscribe(who: MqttIdentity, filter: string): boolean {
    if (who.kind === 'control-plane') return true;
    if (filter === this.topics.agentActions(who.agentId)) return true;
    return who.tags.some((tag) => (tag === '*' ? this.isTagTopic(filter) : filter === this.topics.tagActions(tag)));
  }

  private isTagTopic(filter: string): boolean {
    const [before, after] = this.topics.tagActions('\u0000').split('\u0000') as [string, string];
    if (!filter.startsWith(before) || !filter.endsWith(after)) return false;
    const tag = filter.slice(before.length, filter.length - after.length);
    return tag !== '' && !/[/+#]/.test(tag);
  }
}
