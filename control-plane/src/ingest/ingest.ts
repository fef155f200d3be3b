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
 * Turns what agents publish (status, events) into stored state and live events.
 * Messages are applied in arrival order; anything that fails validation is logged and dropped.
 */
export class Ingest {
  private readonly writes = new SerialQueue();
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
      if (message.state === 'online') this.scope.birth(message);
      this.enqueue(topic, () => this.applyStatus(message));
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
        if (message.kind !== 'heartbeat') this.deps.events.publish(message);
        this.enqueue(topic, () => this.applyEvent(message));
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

  private async applyStatus(status: AgentStatus): Promise<void> {
    const now = this.deps.now();
    if (status.state === 'online') {
      const before = await this.deps.store.getAgent(status.agentId);
      await this.deps.store.recordBirth(status, now);
      const line = arrival(status, before);
      if (line !== undefined) this.deps.log(line);
    } else {
      // Said only for an agent that was online: one whose birth the broker refuses (tags its token
      // does not grant) reconnects every second, and each refusal fires its Last Will.
      const before = await this.deps.store.getAgent(status.agentId);
      await this.deps.store.recordOffline(status.agentId, now);
      if (before?.online === true) this.deps.log(`agent ${status.agentId} offline`);
    }
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
function arrival(status: AgentOnline, before: AgentRecord | undefined): string | undefined {
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
