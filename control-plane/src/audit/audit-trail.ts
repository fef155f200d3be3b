import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '@liveprobe/protocol';
import type { Kysely, Selectable } from 'kysely';
import type { Principal } from '../auth/principal.js';

export interface AuditLogTable {
  id: string;
  time: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  actor_role: string;
  action: string;
  outcome: string;
  target: string | null;
  request: string;
  source: string;
  forwarded_for: string | null;
  user_agent: string | null;
  before: string | null;
  after: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'time'>;

export interface AuditQuery {
  limit: number;
  /** Only entries older than this id (the `next` of the previous page). */
  before?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
}

/** Somewhere else each entry goes as well (the OpenTelemetry log pipeline). */
export interface AuditSink {
  emit(entry: AuditEntry): void;
  shutdown(): Promise<void>;
}

type AuditDatabase = { audit_log: AuditLogTable };

/** The append-only audit trail, in the control plane's database; every entry also goes to the sinks. */
export class AuditTrail {
  private readonly db: Kysely<AuditDatabase>;

  constructor(
    db: Kysely<any>,
    private readonly now: () => Date,
    private readonly sinks: AuditSink[] = [],
  ) {
    this.db = db as Kysely<AuditDatabase>;
  }

  async record(input: NewAuditEntry): Promise<AuditEntry> {
    const time = this.now();
    // Sorts by time first; the random tail keeps ids from replicas in the same millisecond apart.
    const entry: AuditEntry = {
      id: `aud_${time.getTime().toString(36).padStart(9, '0')}${randomBytes(5).toString('hex')}`,
      time: time.toISOString(),
      ...input,
    };
    await this.db.insertInto('audit_log').values(toRow(entry)).execute();
    for (const sink of this.sinks) sink.emit(entry);
    return entry;
  }

  /** Newest first. */
  async list(query: AuditQuery): Promise<AuditEntry[]> {
    let select = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(query.limit);
    if (query.before !== undefined) select = select.where('id', '<', query.before);
    if (query.actor !== undefined) {
      const actor = query.actor;
      select = select.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_name', '=', actor)]));
    }
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    return (await select.execute()).map(fromRow);
  }

  async close(): Promise<void> {
    for (const sink of this.sinks) await sink.shutdown();
  }
}

function toRow(entry: AuditEntry): AuditLogTable {
  return {
    id: entry.id,
    time: entry.time,
    actor_kind: entry.actor.kind,
    actor_id: entry.actor.id,
    actor_name: entry.actor.name,
    actor_role: entry.actor.role,
    action: entry.action,
    outcome: entry.outcome,
    target: entry.target ?? null,
    request: entry.request,
    source: entry.source,
    forwarded_for: entry.forwardedFor ?? null,
    user_agent: entry.userAgent ?? null,
    before: entry.before === undefined ? null : JSON.stringify(entry.before),
    after: entry.after === undefined ? null : JSON.stringify(entry.after),
  };
}

function fromRow(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    time: row.time,
    actor: { kind: row.actor_kind as Principal['kind'], id: row.actor_id, name: row.actor_name, role: row.actor_role as Principal['role'] },
    action: row.action,
    outcome: row.outcome as AuditEntry['outcome'],
    ...(row.target === null ? {} : { target: row.target }),
    request: row.request,
    source: row.source,
    ...(row.forwarded_for === null ? {} : { forwardedFor: row.forwarded_for }),
    ...(row.user_agent === null ? {} : { userAgent: row.user_agent }),
    ...(row.before === null ? {} : { before: JSON.parse(row.before) as unknown }),
    ...(row.after === null ? {} : { after: JSON.parse(row.after) as unknown }),
  };
}

export type { AuditEntry };
