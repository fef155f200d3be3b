import type { Generated } from 'kysely';

/** Table shapes as Kysely sees them; JSON columns hold text so the same schema works on Postgres. */
export interface Database {
  actions: ActionsTable;
  action_status: ActionStatusTable;
  agents: AgentsTable;
  meta: MetaTable;
  snapshots: SnapshotsTable;
}

export interface ActionsTable {
  id: string;
  /** The revision that created it: a total order for "newest first" even within one millisecond. */
  rev: number;
  type: string;
  file: string;
  line: number;
  condition: string | null;
  details: string;
  tags: string;
  agents: string;
  max_hits: number;
  created_at: string;
  expires_at: string;
  deleted_at: string | null;
  expired_at: string | null;
}

export interface ActionStatusTable {
  action_id: string;
  agent_id: string;
  state: string;
  message: string | null;
  location: string | null;
  time: string;
  hits: Generated<number>;
}

export interface AgentsTable {
  agent_id: string;
  birth: string;
  online: number;
  last_seen: string;
}

export interface MetaTable {
  key: string;
  value: number;
}

export interface SnapshotsTable {
  id: string;
  action_id: string;
  agent_id: string;
  /** The agent's capture time, ISO 8601 in UTC, so text order is time order. */
  time: string;
  /** The summary's fields have columns, so listing never parses the captured values. */
  file: string;
  line: number;
  function: string | null;
  stall_ms: number;
  truncated: number;
  /** The whole SnapshotData as JSON. */
  data: string;
}
