import { errorMessage } from '@liveprobe/protocol/util';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Advisory lock keys: arbitrary constants, the same in every replica. */
const CHANGE_LOCK = 0x6c70_0001;
const INGEST_LOCK = 0x6c70_0002;
const LEADER_POLL_MS = 2000;

/**
 * What replicas sharing one Postgres coordinate through it:
 *
 * - desired-state publishes run one at a time across replicas (`exclusive`), so the last
 *   retained message on a topic is always the newest state;
 * - one replica at a time (the ingest leader) writes what agents report; every replica still
 *   streams it live. Otherwise each replica would count every hit once more.
 */
export class PostgresCluster {
  private leader = false;
  private closed = false;
  private readonly stopped: Promise<void>;
  private wake: (() => void) | undefined;
  private settled: (() => void) | undefined;
  /** Settles once the first attempt at the ingest lock is over, won or not. */
  readonly ready = new Promise<void>((resolve) => {
    this.settled = resolve;
  });

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: (line: string) => void,
  ) {
    this.stopped = this.holdLeadership();
  }

  /** Runs `task` while no other replica runs one; waits for the lock as long as it takes. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${CHANGE_LOCK})`.execute(conn);
      try {
        return await task();
      } finally {
        await sql`select pg_advisory_unlock(${CHANGE_LOCK})`.execute(conn);
      }
    });
  }

  /** The newest revision any replica handed out. */
  async currentRev(): Promise<number> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', 'rev').executeTakeFirstOrThrow();
    return row.value;
  }

  /** True while this replica holds the ingest lock. */
  isIngestLeader(): boolean {
    return this.leader;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.stopped;
  }

  /**
   * Keeps one pooled connection for the session-level ingest lock: tries to take it every
   * couple of seconds, and checks it is still alive while holding it (the lock ends with the
   * connection).
   */
  private async holdLeadership(): Promise<void> {
    while (!this.closed) {
      try {
        await this.db.connection().execute(async (conn) => {
          while (!this.closed) {
            if (this.leader) {
              await sql`select 1`.execute(conn);
            } else {
              const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${INGEST_LOCK}) as locked`.execute(conn);
              if (rows[0]?.locked === true) {
                this.leader = true;
                this.log('this replica now stores what agents report (ingest leader)');
              }
            }
            this.settled?.();
            await this.pause();
          }
          if (this.leader) await sql`select pg_advisory_unlock(${INGEST_LOCK})`.execute(conn);
        });
      } catch (err) {
        if (this.leader) this.log(`lost the ingest lock: ${errorMessage(err)}`);
        this.settled?.();
        await this.pause();
      } finally {
        this.leader = false;
      }
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, LEADER_POLL_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
