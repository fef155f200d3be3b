import type { Topics } from '@liveprobe/protocol';
import { ActionService } from './actions/action-service.js';
import { AgentDirectory } from './agents/agent-directory.js';
import { DesiredStatePublisher, type PublishCoordination, type RetainedPublisher } from './desired-state/desired-state.js';
import { EventHub } from './events/event-hub.js';
import { Ingest } from './ingest/ingest.js';
import { SnapshotArchive } from './snapshots/snapshot-archive.js';
import type { Store } from './store/store.js';

export interface ServicesDeps {
  store: Store;
  publisher: RetainedPublisher;
  topics: Topics;
  log?: (line: string) => void;
  now?: () => Date;
  ackTimeoutMs?: number;
  /** How many snapshots each action keeps, newest first. Default 100. */
  snapshotsKeptPerAction?: number;
  /** Set when replicas share the store (Postgres): publishes take turns, one replica stores agent reports. */
  cluster?: ClusterCoordination;
  /** Signs desired-state messages (signing/desired-state-signer.ts). */
  signer?: { signed(topic: string, payload: string): string };
}

export interface ClusterCoordination extends Omit<PublishCoordination, 'ackTimeoutMs'> {
  isIngestLeader(): boolean;
}

export interface Services {
  actions: ActionService;
  agents: AgentDirectory;
  events: EventHub;
  ingest: Ingest;
  snapshots: SnapshotArchive;
  log: (line: string) => void;
}

/** Wires the control plane's logic to a store and an MQTT publisher, without opening any socket. */
export function createServices(deps: ServicesDeps): Services {
  const log = deps.log ?? (() => {});
  const now = deps.now ?? (() => new Date());
  const events = new EventHub();
  return {
    actions: new ActionService({
      store: deps.store,
      desiredState: new DesiredStatePublisher(
        deps.store,
        deps.publisher,
        deps.topics,
        deps.cluster === undefined
          ? undefined
          : {
              exclusive: (task) => deps.cluster!.exclusive(task),
              currentRev: () => deps.cluster!.currentRev(),
              ackTimeoutMs: deps.ackTimeoutMs ?? 2000,
            },
        deps.signer,
      ),
      now,
      log,
      ackTimeoutMs: deps.ackTimeoutMs ?? 2000,
    }),
    agents: new AgentDirectory(deps.store, now),
    events,
    ingest: new Ingest({
      store: deps.store,
      events,
      topics: deps.topics,
      now,
      log,
      snapshotsKeptPerAction: deps.snapshotsKeptPerAction ?? 100,
      ...(deps.cluster === undefined ? {} : { stores: () => deps.cluster!.isIngestLeader() }),
    }),
    snapshots: new SnapshotArchive(deps.store),
    log,
  };
}
