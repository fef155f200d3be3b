import type { Kysely, Selectable, Transaction } from 'kysely';
import { Action, ActionState, AgentOnline, Location, SnapshotData } from '@liveprobe/protocol';
import type { ActionStatusEvent, OutputEvent, SnapshotEvent } from '@liveprobe/protocol';
import type { ActionsTable, ActionStatusTable, AgentsTable, Database, SnapshotsTable } from './schema.js';
import type {
  ActionStatusRecord,
  AgentRecord,
  Revised,
  SnapshotQuery,
  SnapshotRecord,
  SnapshotSummary,
  Store,
  StoredAction,
} from './store.js';

/**
 * The Store over Kysely. Queries stay within what SQLite and Postgres share
 * (RETURNING, ON CONFLICT), so only the dialect differs between them.
 */
export class SqlStore implements Store {
  /** `db` is public so features with tables of their own (tokens, audit) share the connection. */
  constructor(readonly db: Kysely<Database>) {}

  createAction(action: Action): Promise<Revised<Action>> {
    return this.db.transaction().execute(async (trx) => {
      const rev = await bumpRev(trx);
      await trx.insertInto('actions').values(toActionRow(action, rev)).execute();
      return { rev, value: action };
    });
  }

  updateAction(action: Action, at: Date): Promise<Revised<Action>> {
    return this.db.transaction().execute(async (trx) => {
      const row = toActionRow(action, 0);
      const revived = row.expires_at > at.toISOString();
      await trx
        .updateTable('actions')
        .set({
          condition: row.condition,
          details: row.details,
          max_hits: row.max_hits,
          expires_at: row.expires_at,
          ...(revived ? { expired_at: null } : {}),
        })
        .where('id', '=', action.id)
        .where('deleted_at', 'is', null)
        .execute();
      return { rev: await bumpRev(trx), value: action };
    });
  }

  deleteAction(id: string, at: Date): Promise<Revised<Action> | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('actions')
        .set({ deleted_at: at.toISOString() })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return { rev: await bumpRev(trx), value: fromActionRow(row) };
    });
  }

  expireActions(now: Date): Promise<Revised<Action[]> | undefined> {
    const at = now.toISOString();
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable('actions')
        .set({ expired_at: at })
        .where('deleted_at', 'is', null)
        .where('expired_at', 'is', null)
        .where('expires_at', '<=', at)
        .returningAll()
        .execute();
      if (rows.length === 0) return undefined;
      return { rev: await bumpRev(trx), value: rows.map(fromActionRow) };
    });
  }

  bumpRev(): Promise<number> {
    return this.db.transaction().execute(bumpRev);
  }

  async listActions(): Promise<StoredAction[]> {
    const rows = await this.db.selectFrom('actions').selectAll().where('deleted_at', 'is', null).orderBy('rev', 'desc').execute();
    return rows.map(fromStoredRow);
  }

  async getAction(id: string): Promise<StoredAction | undefined> {
    const row = await this.db.selectFrom('actions').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row === undefined ? undefined : fromStoredRow(row);
  }

  async liveActions(): Promise<Action[]> {
    const rows = await this.db
      .selectFrom('actions')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('expired_at', 'is', null)
      .orderBy('rev', 'asc')
      .execute();
    // `enabled` lives in the details column, beside the other fields not every query needs.
    return rows.map(fromActionRow).filter((action) => action.enabled !== false);
  }

  async allTargets(): Promise<{ tags: string[]; agents: string[] }> {
    const rows = await this.db.selectFrom('actions').select(['tags', 'agents']).execute();
    const tags = new Set<string>();
    const agents = new Set<string>();
    for (const row of rows) {
      for (const tag of parseStrings(row.tags)) tags.add(tag);
      for (const agent of parseStrings(row.agents)) agents.add(agent);
    }
    return { tags: [...tags], agents: [...agents] };
  }

  async statuses(actionIds: readonly string[]): Promise<ActionStatusRecord[]> {
    if (actionIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('action_status')
      .selectAll()
      .where('action_id', 'in', actionIds)
      .orderBy('agent_id', 'asc')
      .execute();
    return rows.map(fromStatusRow);
  }

  async recordStatus(event: ActionStatusEvent): Promise<void> {
    const update = {
      state: event.state,
      message: event.message ?? null,
      location: event.location === undefined ? null : JSON.stringify(event.location),
      time: event.time,
    };
    await this.db
      .insertInto('action_status')
      .values({ action_id: event.actionId, agent_id: event.agentId, ...update })
      .onConflict((oc) => oc.columns(['action_id', 'agent_id']).doUpdateSet(update))
      .execute();
  }

  async recordHit(event: OutputEvent): Promise<void> {
    await countHit(this.db, event.actionId, event.agentId, { file: event.file, line: event.line }, event.time, event.hits ?? 1);
  }

  recordSnapshot(event: SnapshotEvent, keepPerAction: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('snapshots')
        .values(toSnapshotRow(event))
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      const { file, line } = event.snapshot.location;
      await countHit(trx, event.actionId, event.agentId, { file, line }, event.time);
      await trx
        .deleteFrom('snapshots')
        .where('action_id', '=', event.actionId)
        .where('id', 'not in', (eb) =>
          eb
            .selectFrom('snapshots')
            .select('id')
            .where('action_id', '=', event.actionId)
            .orderBy('time', 'desc')
            .orderBy('id', 'desc')
            .limit(keepPerAction),
        )
        .execute();
      return true;
    });
  }

  async listSnapshots(query: SnapshotQuery): Promise<SnapshotSummary[]> {
    let select = this.db
      .selectFrom('snapshots')
      .select(['id', 'action_id', 'agent_id', 'time', 'file', 'line', 'function', 'stall_ms', 'truncated']);
    if (query.actionId !== undefined) select = select.where('action_id', '=', query.actionId);
    if (query.agentId !== undefined) select = select.where('agent_id', '=', query.agentId);
    const rows = await select.orderBy('time', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(fromSnapshotSummaryRow);
  }

  async getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    const row = await this.db
      .selectFrom('snapshots')
      .select(['id', 'action_id', 'agent_id', 'time', 'data'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      id: row.id,
      actionId: row.action_id,
      agentId: row.agent_id,
      time: row.time,
      snapshot: SnapshotData.parse(JSON.parse(row.data)),
    };
  }

  async recordBirths(births: readonly AgentOnline[], at: Date): Promise<void> {
    const last_seen = at.toISOString();
    // One statement per chunk: a fleet connecting sends thousands of births. Postgres refuses an
    // upsert that meets one row twice, so only each agent's latest birth goes in.
    const latest = [...new Map(births.map((birth) => [birth.agentId, birth])).values()];
    for (const chunk of chunks(latest)) {
      await this.db
        .insertInto('agents')
        .values(chunk.map((birth) => ({ agent_id: birth.agentId, birth: JSON.stringify(birth), online: 1, last_seen })))
        .onConflict((oc) =>
          oc
            .column('agent_id')
            .doUpdateSet((eb) => ({ birth: eb.ref('excluded.birth'), online: 1, last_seen: eb.ref('excluded.last_seen') })),
        )
        .execute();
    }
  }

  async recordOffline(agentId: string, at: Date): Promise<void> {
    await this.db.updateTable('agents').set({ online: 0, last_seen: at.toISOString() }).where('agent_id', '=', agentId).execute();
  }

  async touchAgent(agentId: string, at: Date): Promise<void> {
    await this.db.updateTable('agents').set({ last_seen: at.toISOString() }).where('agent_id', '=', agentId).execute();
  }

  async touchAgents(agentIds: readonly string[], at: Date): Promise<void> {
    for (const chunk of chunks(agentIds)) {
      await this.db.updateTable('agents').set({ last_seen: at.toISOString() }).where('agent_id', 'in', chunk).execute();
    }
  }

  async markAllAgentsOffline(): Promise<void> {
    await this.db.updateTable('agents').set({ online: 0 }).where('online', '=', 1).execute();
  }

  async listAgents(): Promise<AgentRecord[]> {
    const rows = await this.db.selectFrom('agents').selectAll().orderBy('agent_id', 'asc').execute();
    return rows.map(fromAgentRow);
  }

  async getAgents(agentIds: readonly string[]): Promise<AgentRecord[]> {
    const records: AgentRecord[] = [];
    for (const chunk of chunks(agentIds)) {
      const rows = await this.db.selectFrom('agents').selectAll().where('agent_id', 'in', chunk).execute();
      records.push(...rows.map(fromAgentRow));
    }
    return records;
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}

/** Rows (or ids) per statement: within SQLite's and Postgres' limits on bound parameters. */
const CHUNK = 500;

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}

/** A hit proves the action is installed there, even if the agent's status report is still on the way. */
async function countHit(
  db: Kysely<Database>,
  actionId: string,
  agentId: string,
  location: { file: string; line: number },
  time: string,
  hits = 1,
): Promise<void> {
  await db
    .insertInto('action_status')
    .values({ action_id: actionId, agent_id: agentId, state: 'installed', message: null, location: JSON.stringify(location), time, hits })
    .onConflict((oc) => oc.columns(['action_id', 'agent_id']).doUpdateSet((eb) => ({ hits: eb('action_status.hits', '+', hits) })))
    .execute();
}

async function bumpRev(trx: Transaction<Database>): Promise<number> {
  const row = await trx
    .updateTable('meta')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('key', '=', 'rev')
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}

function toActionRow(action: Action, rev: number): ActionsTable {
  return {
    id: action.id,
    rev,
    type: action.type,
    file: action.file,
    line: action.line,
    condition: action.condition ?? null,
    details: JSON.stringify(detailsOf(action)),
    tags: JSON.stringify(action.tags),
    agents: JSON.stringify(action.agents),
    max_hits: action.maxHits,
    created_at: action.createdAt,
    expires_at: action.expiresAt,
    deleted_at: null,
    expired_at: null,
  };
}

/** Everything but the columns every action type shares. */
function detailsOf(action: Action): Record<string, unknown> {
  const {
    id: _id,
    type: _type,
    file: _file,
    line: _line,
    condition: _condition,
    tags: _tags,
    agents: _agents,
    maxHits: _maxHits,
    createdAt: _createdAt,
    expiresAt: _expiresAt,
    ...details
  } = action;
  return details;
}

function fromActionRow(row: Selectable<ActionsTable>): Action {
  return Action.parse({
    id: row.id,
    type: row.type,
    file: row.file,
    line: row.line,
    ...(row.condition === null ? {} : { condition: row.condition }),
    ...(JSON.parse(row.details) as object),
    tags: parseStrings(row.tags),
    agents: parseStrings(row.agents),
    maxHits: row.max_hits,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  });
}

function fromStoredRow(row: Selectable<ActionsTable>): StoredAction {
  const action = fromActionRow(row);
  return row.expired_at === null ? action : { ...action, expiredAt: row.expired_at };
}

function fromAgentRow(row: Selectable<AgentsTable>): AgentRecord {
  return { agentId: row.agent_id, birth: AgentOnline.parse(JSON.parse(row.birth)), online: row.online === 1, lastSeen: row.last_seen };
}

function fromStatusRow(row: Selectable<ActionStatusTable>): ActionStatusRecord {
  return {
    actionId: row.action_id,
    agentId: row.agent_id,
    state: ActionState.parse(row.state),
    ...(row.message === null ? {} : { message: row.message }),
    ...(row.location === null ? {} : { location: Location.parse(JSON.parse(row.location)) }),
    time: row.time,
    hits: row.hits,
  };
}

function toSnapshotRow(event: SnapshotEvent): SnapshotsTable {
  const { location } = event.snapshot;
  return {
    id: event.id,
    action_id: event.actionId,
    agent_id: event.agentId,
    time: event.time,
    file: location.file,
    line: location.line,
    function: location.function ?? null,
    stall_ms: event.snapshot.stallMs,
    truncated: event.snapshot.truncated ? 1 : 0,
    data: JSON.stringify(event.snapshot),
  };
}

function fromSnapshotSummaryRow(row: Omit<Selectable<SnapshotsTable>, 'data'>): SnapshotSummary {
  return {
    id: row.id,
    actionId: row.action_id,
    agentId: row.agent_id,
    time: row.time,
    location: { file: row.file, line: row.line, ...(row.function === null ? {} : { function: row.function }) },
    stallMs: row.stall_ms,
    truncated: row.truncated === 1,
  };
}

function parseStrings(json: string): string[] {
  return JSON.parse(json) as string[];
}
