import type { Topics } from '@liveprobe/protocol';

/** Who is on the other end of an MQTT connection, as the broker's access rules see it. */
export type MqttIdentity =
  | { kind: 'control-plane' }
  /** An agent: its client id is its agent id; `tags` from its token (`*`: every tag). */
  | { kind: 'agent'; agentId: string; tags: readonly string[] };

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
