import { errorMessage } from '@liveprobe/protocol/util';
import { AgentEvent, AgentStatus } from '@liveprobe/protocol';
import type { AgentOnline, PrepareSummary, SnapshotEvent, Topics } from '@liveprobe/protocol';
import type { z } from 'zod';
import { describeIssues } from '../body-issues.js';
import type { EventHub } from '../events/event-hub.js';
import { OncePerReason } from '../once-per-reason.js';
import { SerialQueue } from '../serial-queue.js';
import { summarizeSnapshot } from '../snapshots/snapshot-summary.js';
import type { AgentRecord, Store } from '../store/store.js';
import { ReportScope } from './report-scope.js';

export interface IngestDeps {
  store: Store;
  events: EventHub;
  topics: Topics;
  now: () => Date;
  log: (line: string) => void;
  /** Older snapshots of an action are deleted as new ones arrive. */
  snapshotsKeptPerAction: number;
  /** False while another replica is the one storing agent reports; live events still go out. */
  stores?: () => boolean;
}

/**
 * Births and heartbeats received in one turn of the event loop, stored together: a fleet of
 * thousands connecting sends as many births, and one statement per birth (with the read before
 * it) was a large share of the control plane's work while they came.
 */
interface PresenceBatch {
  births: AgentOnline[];
  /** Agents whose heartbeat came. */
  touched: Set<string>;
}

/**
 * Turns what agents publish (status, events) into stored state and live events.
 * Messages are applied in arrival order; anything that fails validation is logged and dropped.
 */
export class Ingest {
  private readonly writes = new SerialQueue();
  /** The batch last in `writes`, still taking births and heartbeats; anything else queued after it closes it. */
  private presence: PresenceBatch | undefined;
  /** Events wait here, in arrival order, for the check that their action targets their agent. */
  private readonly checks = new SerialQueue();
  private readonly scope: ReportScope;
  private readonly once: OncePerReason;

  constructor(private readonly deps: IngestDeps) {
    this.scope = new ReportScope(deps.store);
    this.once = new OncePerReason(deps.log);
  }

  handle(topic: string, payload: Buffer): void {
    const parsed = this.deps.topics.parseAgentTopic(topic);
    // An empty payload is a cleared retained message, not a report.
    if (parsed === undefined || parsed.kind === 'actions' || payload.length === 0) return;
    const schema = parsed.kind === 'status' ? AgentStatus : AgentEvent;
    const message = this.validate(topic, payload, schema);
    if (message === undefined) return;
    if (message.agentId !== parsed.agentId) {
      this.deps.log(`ignored a message on ${topic}: it is from agent "${message.agentId}", not "${parsed.agentId}"`);
      return;
    }
    if (!('kind' in message)) {
      if (message.state === 'online') {
        this.scope.birth(message);
        this.presenceBatch()?.births.push(message);
      } else {
        const { agentId } = message;
        this.enqueue(topic, () => this.applyOffline(agentId));
      }
      return;
    }
    void this.checks
      .run(async () => {
        if (!(await this.inScope(message))) return;
        if (message.kind === 'snapshot') {
          // Announced once stored, so whoever follows the notice finds the snapshot, and a redelivery is not announced twice.
          this.enqueue(topic, () => this.applySnapshot(message));
          return;
        }
        // Live output goes out before it is counted: the console should not wait on the disk.
        // Heartbeats only keep `last seen` current; nobody watches them.
        if (message.kind === 'heartbeat') this.presenceBatch()?.touched.add(message.agentId);
        else {
          this.deps.events.publish(message);
          this.enqueue(topic, () => this.applyEvent(message));
        }
      })
      .catch((err: unknown) => this.deps.log(`could not check a message from ${topic}: ${errorMessage(err)}`));
  }

  /** Resolves once every message received so far has been stored. */
  async idle(): Promise<void> {
    await this.checks.idle();
    await this.writes.idle();
  }

  /** Reports about an action count only from agents it targets (report-scope.ts). */
  private async inScope(event: AgentEvent): Promise<boolean> {
    if (event.kind === 'heartbeat' || (event.kind === 'dropped' && event.actionId === undefined)) return true;
    const actionId = event.actionId as string;
    const kind = event.kind === 'output' || event.kind === 'snapshot' ? 'counted' : 'status';
    const refusal = await this.scope.refusal(event.agentId, actionId, kind);
    if (refusal === undefined) return true;
    this.once.log(`ignored ${event.kind} from agent ${event.agentId}: ${refusal}`);
    return false;
  }

  /** The open batch, or a new one queued to be stored once this turn of the event loop has run its I/O callbacks. */
  private presenceBatch(): PresenceBatch | undefined {
    if (this.deps.stores?.() === false) return undefined;
    if (this.presence !== undefined) return this.presence;
    const batch: PresenceBatch = { births: [], touched: new Set() };
    this.presence = batch;
    void this.writes
      .run(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.presence === batch) this.presence = undefined;
        await this.applyPresence(batch);
      })
      .catch((err: unknown) => {
        this.deps.log(
          `could not store the births of ${batch.births.length} and heartbeats of ${batch.touched.size} agents: ${errorMessage(err)}`,
        );
      });
    return batch;
  }

  private async applyPresence({ births, touched }: PresenceBatch): Promise<void> {
    const now = this.deps.now();
    if (births.length > 0) {
      const known = new Map<string, Pick<AgentRecord, 'birth' | 'online'>>();
      for (const record of await this.deps.store.getAgents([...new Set(births.map((b) => b.agentId))])) known.set(record.agentId, record);
      await this.deps.store.recordBirths(births, now);
      for (const birth of births) {
        const line = arrival(birth, known.get(birth.agentId));
        if (line !== undefined) this.deps.log(line);
        known.set(birth.agentId, { birth, online: true });
      }
    }
    if (touched.size > 0) await this.deps.store.touchAgents([...touched], now);
  }

  private async applyOffline(agentId: string): Promise<void> {
    // Said only for an agent that was online: one whose birth the broker refuses (tags its token
    // does not grant) reconnects every second, and each refusal fires its Last Will.
    const [before] = await this.deps.store.getAgents([agentId]);
    await this.deps.store.recordOffline(agentId, this.deps.now());
    if (before?.online === true) this.deps.log(`agent ${agentId} offline`);
  }

  private async applyEvent(event: Exclude<AgentEvent, SnapshotEvent>): Promise<void> {
    if (event.kind === 'action_status') await this.deps.store.recordStatus(event);
    else if (event.kind === 'output') await this.deps.store.recordHit(event);
    await this.deps.store.touchAgent(event.agentId, this.deps.now());
  }

  private async applySnapshot(event: SnapshotEvent): Promise<void> {
    const stored = await this.deps.store.recordSnapshot(event, this.deps.snapshotsKeptPerAction);
    await this.deps.store.touchAgent(event.agentId, this.deps.now());
    if (stored) this.deps.events.publish({ kind: 'snapshot', ...summarizeSnapshot(event) });
  }

  private validate<S extends z.ZodType>(topic: string, payload: Buffer, schema: S): z.infer<S> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      this.deps.log(`ignored a message on ${topic}: not JSON (${(err as Error).message})`);
      return undefined;
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      this.deps.log(`ignored a message on ${topic}: ${describeIssues(result.error)}`);
      return undefined;
    }
    return result.data;
  }

  private enqueue(topic: string, apply: () => Promise<void>): void {
    if (this.deps.stores?.() === false) return;
    // What comes after this message must be stored after it.
    this.presence = undefined;
    void this.writes.run(apply).catch((err: unknown) => {
      this.deps.log(`could not store a message from ${topic}: ${errorMessage(err)}`);
    });
  }
}

/**
 * The log line for an agent's status: `online` for a process not seen before, `reconnected` for
 * one that was offline (same start time: the same process), and for one online already only what
 * changed. The agent publishes its status again as more of its files are prepared, and that is
 * not a second arrival.
 */
function arrival(status: AgentOnline, before: Pick<AgentRecord, 'birth' | 'online'> | undefined): string | undefined {
  const prepare = describePrepare(status.prepare);
  const sameProcess = before !== undefined && before.birth.startedAt === status.startedAt;
  if (sameProcess && before.online) {
    return prepare === undefined || prepare === describePrepare(before.birth.prepare) ? undefined : `agent ${status.agentId} ${prepare}`;
  }
  const tags = status.tags.join(', ') || 'none';
  return `agent ${status.agentId} ${sameProcess ? 'reconnected' : 'online'} (${status.hostname} pid ${status.pid}, tags: ${tags}${prepare === undefined ? '' : `; ${prepare}`})`;
}

/** Nothing before the agent has met a file to prepare: an app starting says `prepared 0 files` otherwise. */
function describePrepare(summary: PrepareSummary | undefined): string | undefined {
  if (summary === undefined) return undefined;
  const { transformed, cached, failed } = summary;
  if (transformed + cached + failed === 0) return undefined;
  return `prepared ${transformed + cached} files${failed === 0 ? '' : `, ${failed} left untouched`}`;
}
