import type {
  Action,
  ActionState,
  ActionStatusEvent,
  AgentOnline,
  OutputEvent,
  SnapshotEvent,
  SnapshotRecord,
  SnapshotSummary,
} from '@liveprobe/protocol';

export type { SnapshotRecord, SnapshotSummary };

/** An action as kept by the store: the wire `Action` plus what happened to it since. */
export type StoredAction = Action & {
  /** When the sweeper took it out of the desired set; it stays listed. */
  expiredAt?: string;
};

/** What one agent last said about one action, and how often it fired there. */
export interface ActionStatusRecord {
  actionId: string;
  agentId: string;
  state: ActionState;
  message?: string;
  location?: { file: string; line: number };
  time: string;
  hits: number;
}

export interface AgentRecord {
  agentId: string;
  birth: AgentOnline;
  online: boolean;
  lastSeen: string;
}

/** Which snapshots to list, newest first. */
export interface SnapshotQuery {
  actionId?: string | undefined;
  agentId?: string | undefined;
  limit: number;
}

/** A change to the desired set, with the revision it was given. */
export interface Revised<T> {
  rev: number;
  value: T;
}

/**
 * Everything the control plane persists. Kept this small so a Postgres implementation
 * (several replicas sharing one database) can sit beside the SQLite one.
 */
export interface Store {
  /** Inserts the action and bumps the revision, atomically. */
  createAction(action: Action): Promise<Revised<Action>>;
  /**
   * Replaces an action's definition (same id, targets and creation) and bumps the revision;
   * an expired one whose new expiry is after `at` is live again. Statuses and hits stay.
   */
  updateAction(action: Action, at: Date): Promise<Revised<Action>>;
  /** Marks a listed action deleted and bumps the revision; undefined when there is no such action. */
  deleteAction(id: string, at: Date): Promise<Revised<Action> | undefined>;
  /** Marks every action whose `expiresAt` is not after `now` expired; undefined when none was due. */
  expireActions(now: Date): Promise<Revised<Action[]> | undefined>;
  /** Bumps the revision without changing any action (a full republish). */
  bumpRev(): Promise<number>;

  /** Listed actions (expired included, deleted not), newest first. */
  listActions(): Promise<StoredAction[]>;
  getAction(id: string): Promise<StoredAction | undefined>;
  /** The desired set: neither deleted, expired nor disabled. */
  liveActions(): Promise<Action[]>;
  /** Every tag and agent id any action ever named, deleted ones included, so their topics can be corrected. */
  allTargets(): Promise<{ tags: string[]; agents: string[] }>;

  statuses(actionIds: readonly string[]): Promise<ActionStatusRecord[]>;
  recordStatus(event: ActionStatusEvent): Promise<void>;
  recordHit(event: OutputEvent): Promise<void>;

  /**
   * Stores a snapshot and counts it as a hit, keeping only the newest `keepPerAction` of its
   * action; false when a snapshot with that id is already stored (MQTT may deliver twice).
   */
  recordSnapshot(event: SnapshotEvent, keepPerAction: number): Promise<boolean>;
  listSnapshots(query: SnapshotQuery): Promise<SnapshotSummary[]>;
  getSnapshot(id: string): Promise<SnapshotRecord | undefined>;

  /** Each agent online with its birth, seen at `at`; of two births of one agent, the later counts. */
  recordBirths(births: readonly AgentOnline[], at: Date): Promise<void>;
  recordOffline(agentId: string, at: Date): Promise<void>;
  touchAgent(agentId: string, at: Date): Promise<void>;
  touchAgents(agentIds: readonly string[], at: Date): Promise<void>;
  /** Presence from a previous run is stale until agents announce themselves again. */
  markAllAgentsOffline(): Promise<void>;
  listAgents(): Promise<AgentRecord[]>;
  /** Those of `agentIds` that are known. */
  getAgents(agentIds: readonly string[]): Promise<AgentRecord[]>;

  close(): Promise<void>;
}
