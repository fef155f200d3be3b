import type { Action, DesiredState, Topics } from '@liveprobe/protocol';
import type { Store } from '../store/store.js';

/** The one thing desired state needs from MQTT; a test can record calls instead. */
export interface RetainedPublisher {
  /** Publishes at QoS 1 with the retain flag; resolves when the broker acknowledges it. */
  publishRetained(topic: string, payload: string): Promise<void>;
}

/** How replicas sharing a database take turns publishing (see PostgresCluster). */
export interface PublishCoordination {
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  currentRev(): Promise<number>;
  ackTimeoutMs: number;
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
    private readonly cluster?: PublishCoordination,
    /** Adds the control plane's signature to each message (signing/). */
    private readonly signer?: { signed(topic: string, payload: string): string },
  ) {}

  /**
   * Hands every message to the MQTT client before returning (so the caller's ordering
   * holds); `acked` settles once the broker has acknowledged all of them.
   */
  async publish(targets: Targets, rev: number): Promise<{ acked: Promise<void> }> {
    if (this.cluster !== undefined) return this.publishInCluster(this.cluster, targets);
    return this.publishLive(targets, rev);
  }

  /**
   * Replicas publish through different MQTT connections, so their own order means nothing to
   * the broker: publishes take turns under a database lock held until the broker acknowledged
   * (or `ackTimeoutMs` passed), and each sends the newest state under the newest revision. The
   * revision is read before the actions, so a message is never older than its revision.
   */
  private async publishInCluster(cluster: PublishCoordination, targets: Targets): Promise<{ acked: Promise<void> }> {
    return cluster.exclusive(async () => {
      const { acked } = await this.publishLive(targets, await cluster.currentRev());
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, cluster.ackTimeoutMs);
      });
      await Promise.race([acked.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
      return { acked };
    });
  }

  private async publishLive(targets: Targets, rev: number): Promise<{ acked: Promise<void> }> {
    const live = await this.store.liveActions();
    const acks: Promise<void>[] = [];
    for (const tag of new Set(targets.tags)) {
      acks.push(
        this.send(
          this.topics.tagActions(tag),
          rev,
          live.filter((a) => a.tags.includes(tag)),
        ),
      );
    }
    for (const agentId of new Set(targets.agents)) {
      acks.push(
        this.send(
          this.topics.agentActions(agentId),
          rev,
          live.filter((a) => a.agents.includes(agentId)),
        ),
      );
    }
    return { acked: Promise.all(acks).then(() => undefined) };
  }

  private send(topic: string, rev: number, actions: Action[]): Promise<void> {
    const state: DesiredState = { rev, actions };
    const payload = JSON.stringify(state);
    return this.broker.publishRetained(topic, this.signer === undefined ? payload : this.signer.signed(topic, payload));
  }
}
