import type { Topics } from '@liveprobe/protocol';
import { ActionService } from './actions/action-service.js';
import { AgentDirectory } from './agents/agent-directory.js';
import { DesiredStatePublisher, type RetainedPublisher } from './desired-state/desired-state.js';
import { EventHub } from './events/event-hub.js';
import { Ingest } from './ingest/ingest.js';
import type { Store } from './store/store.js';

export interface ServicesDeps {
  store: Store;
  publisher: RetainedPublisher;
  topics: Topics;
  log?: (line: string) => void;
  now?: () => Date;
  ackTimeoutMs?: number;
}

export interface Services {
  actions: ActionService;
  agents: AgentDirectory;
  events: EventHub;
  ingest: Ingest;
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
      desiredState: new DesiredStatePublisher(deps.store, deps.publisher, deps.topics),
      now,
      log,
      ackTimeoutMs: deps.ackTimeoutMs ?? 2000,
    }),
    agents: new AgentDirectory(deps.store),
    events,
    ingest: new Ingest({ store: deps.store, events, topics: deps.topics, now, log }),
    log,
  };
}
