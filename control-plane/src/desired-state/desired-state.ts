import type { Action, DesiredState, Topics } from '@liveprobe/protocol';
import type { Store } from '../store/store.js';

/** The one thing desired state needs from MQTT; a test can record calls instead. */
export interface RetainedPublisher {
  /** Publishes at QoS 1 with the retain flag; resolves when the broker acknowledges it. */
  publishRetained(topic: string, payload: string): Promise<void>;
}

/** The tags and agent ids whose topics a change touches. */
export interface Targets {
  tags: Iterable<string>;
  agents: Iterable<string>;
}

export function targetsOf(actions: readonly Action[]): Targets {
  return { tags: actions.flatMap((a) => a.tags), agents: actions.flatMap((a) => a.agents) };
}

/**
 * Publishes the full desired set of each target topic. An emptied set is published as
 * `{rev, actions: []}` rather than clearing the retained message, so agents reconcile.
 */
export class DesiredStatePublisher {
  constructor(
    private readonly store: Store,
    private readonly broker: RetainedPublisher,
    private readonly topics: Topics,
  ) {}

  /**
   * Hands every message to the MQTT client before returning (so the caller's ordering
   * holds); `acked` settles once the broker has acknowledged all of them.
   */
  async publish(targets: Targets, rev: number): Promise<{ acked: Promise<void> }> {
    const live = await this.store.liveActions();
    const acks: Promise<void>[] = [];
    for (const tag of new Set(targets.tags)) {
      acks.push(this.send(this.topics.tagActions(tag), rev, live.filter((a) => a.tags.includes(tag))));
    }
    for (const agentId of new Set(targets.agents)) {
      acks.push(this.send(this.topics.agentActions(agentId), rev, live.filter((a) => a.agents.includes(agentId))));
    }
    return { acked: Promise.all(acks).then(() => undefined) };
  }

  private send(topic: string, rev: number, actions: Action[]): Promise<void> {
    const state: DesiredState = { rev, actions };
    return this.broker.publishRetained(topic, JSON.stringify(state));
  }
}
