/**
 * Many simulated agents in one process, one MQTT client each: a fixture for tests and the
 * load for the propagation benchmark.
 */
import { hostname } from 'node:os';
import { DEFAULT_TOPIC_PREFIX, topics, type ActionState } from '@liveprobe/protocol';
import { SimulatedAgent, type AgentNotice } from './simulated-agent.js';
import { StatusBook } from './status-book.js';

export interface FleetOptions {
  /** `mqtt://host:port`, e.g. a control plane's embedded broker. */
  broker: string;
  /** How many agents. */
  agents: number;
  tags: readonly string[];
  /** Agent ids are `<idPrefix>-<index>`, the index zero-padded to five digits. Default `sim`. */
  idPrefix?: string;
  /** Index of the first agent, so several processes can share one prefix. Default 0. */
  firstIndex?: number;
  topicPrefix?: string;
  /** Seconds between each agent's heartbeats (the real agent: 30); 0 sends none. Default 30. */
  heartbeatSeconds?: number;
  /** Connections opened at once while the fleet starts. Default 50. */
  connectConcurrency?: number;
  /** Default 30. */
  connectTimeoutSeconds?: number;
  /** Every desired state received and every status reported, as it happens. */
  onNotice?: (notice: AgentNotice) => void;
}

export interface Fleet {
  readonly agents: readonly SimulatedAgent[];
  /** How many agents' latest status for the action is `state`. */
  count(actionId: string, state: ActionState): number;
  /** Resolves once `count` agents' latest status for the action is `state`. */
  waitFor(actionId: string, state: ActionState, count: number, timeoutMs: number): Promise<void>;
  /** Every agent leaves cleanly (retained `offline`, DISCONNECT). */
  stop(): Promise<void>;
}

export function agentIdOf(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(5, '0')}`;
}

/** Connects every agent; resolves once all of them are subscribed, or stops them all and rejects. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const names = topics(options.topicPrefix ?? DEFAULT_TOPIC_PREFIX);
  const prefix = options.idPrefix ?? 'sim';
  const first = options.firstIndex ?? 0;
  const book = new StatusBook();
  const notify = (notice: AgentNotice) => {
    if (notice.kind === 'status') book.record(notice.actionId, notice.agentId, notice.state);
    options.onNotice?.(notice);
  };
  const host = `simulated-${hostname()}`;
  const agents = Array.from(
    { length: options.agents },
    (_, i) =>
      new SimulatedAgent({
        broker: options.broker,
        agentId: agentIdOf(prefix, first + i),
        tags: options.tags,
        topics: names,
        hostname: host,
        heartbeatSeconds: options.heartbeatSeconds ?? 30,
        connectTimeoutSeconds: options.connectTimeoutSeconds ?? 30,
        notify,
      }),
  );

  const stop = async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
  };
  try {
    await inBatches(agents, options.connectConcurrency ?? 50, (agent) => agent.start());
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    agents,
    count: (actionId, state) => book.count(actionId, state),
    waitFor: (actionId, state, wanted, timeoutMs) => book.waitFor(actionId, state, wanted, timeoutMs),
    stop,
  };
}

/** Runs `task` over `items`, at most `concurrency` at a time; the first failure rejects. */
async function inBatches<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}
