/**
 * Hits an action did not export, counted by reason and never silent: sampled out on a prepared
 * site or a breakpoint (over the action's rate, its output quota or the agent's CPU budget: which
 * one is said), the hits a sampling breakpoint missed while out of V8 (estimated), or dropped on
 * the way out (the exporter's queue was full, or the export failed). Once a second the counts go
 * to the live stream as a `dropped` notice and to the `liveprobe.hits.not_exported` metric; every
 * few seconds the totals so far go into the action's status.
 */
import type { AgentEvent } from '@liveprobe/protocol';
import type { SampledLimit } from '../bridge.js';
import { isoTime } from '../iso-time.js';
import { grouped } from '@liveprobe/protocol/util';

export type NotExportedReason = 'sampled' | 'sampled_estimated' | 'export_queue_full' | 'export_failed';

/** A reason, and for `sampled` the limit the hits were over: what is counted apart. */
type Cause = Exclude<NotExportedReason, 'sampled'> | `sampled_${SampledLimit}`;

const REPORT_INTERVAL_MS = 1000;
const STATUS_INTERVAL_MS = 5000;

const NOT_CAPTURED = 'these hits were counted, not captured';
const REASONS: Record<Cause, string> = {
  sampled_rate: `sampled: over the action's rate (its ratePerSecond, at most the agent's LIVEPROBE_QUOTA_HITS_PER_SECOND); ${NOT_CAPTURED}`,
  sampled_bytes: `sampled: over the action's output quota (LIVEPROBE_QUOTA_BYTES_PER_SECOND); ${NOT_CAPTURED}`,
  sampled_cpu: `sampled: the agent's CPU budget for the second was spent (LIVEPROBE_CPU_BUDGET_MS_PER_SECOND); ${NOT_CAPTURED}`,
  sampled_estimated:
    "sampled: the action's breakpoint was out of V8 between sampling windows; these hits are estimated from the line's rate while it was in",
  export_queue_full:
    "the OpenTelemetry exporter's queue was full (OTEL_BLRP_MAX_QUEUE_SIZE): lower the action's ratePerSecond or raise the queue",
  export_failed: 'the OTLP export failed: check that the collector at OTEL_EXPORTER_OTLP_ENDPOINT is up',
};

/** How the limits read in the status's totals: "4,990 sampled (4,900 over the rate, 90 over the CPU budget)". */
const LIMIT_LABELS: Record<SampledLimit, string> = { rate: 'over the rate', bytes: 'over the output quota', cpu: 'over the CPU budget' };

/** How the other reasons read there: "12,000 sampled (over the rate), ~90,000 sampled while off (estimated)". */
const LABELS: Record<Exclude<NotExportedReason, 'sampled'>, string> = {
  sampled_estimated: 'sampled while off (estimated)',
  export_queue_full: 'export queue full',
  export_failed: 'export failed',
};

export interface NotExportedSinks {
  agentId: string;
  publish: (event: AgentEvent) => boolean;
  /** Adds to the OpenTelemetry counter; `limit` with `sampled` only. */
  metric: (actionId: string, reason: NotExportedReason, count: number, limit: SampledLimit | undefined) => void;
  /** The totals so far, for the action's status: "12,000 sampled (over the rate), 40 export queue full". */
  status: (actionId: string, totals: string) => void;
}

export class NotExported {
  /** Not yet on the live stream. */
  private readonly pending = new Map<string, Map<Cause, number>>();
  /** Not yet added to the metric: one addition a second, not one per dropped record of a flood. */
  private readonly unmetered = new Map<string, Map<Cause, number>>();
  private readonly totals = new Map<string, Map<Cause, number>>();
  /** Actions whose totals changed since their last status. */
  private readonly changed = new Set<string>();
  private readonly timers: NodeJS.Timeout[];

  constructor(private readonly sinks: NotExportedSinks) {
    this.timers = [setInterval(() => this.reportDropped(), REPORT_INTERVAL_MS), setInterval(() => this.reportTotals(), STATUS_INTERVAL_MS)];
    for (const timer of this.timers) timer.unref();
  }

  /** `limit`: for `sampled`, the limit the hits were over (its rate when not given). */
  add(actionId: string, reason: NotExportedReason, count: number, limit?: SampledLimit): void {
    if (count <= 0) return;
    const cause: Cause = reason === 'sampled' ? `sampled_${limit ?? 'rate'}` : reason;
    addTo(this.pending, actionId, cause, count);
    addTo(this.unmetered, actionId, cause, count);
    addTo(this.totals, actionId, cause, count);
    this.changed.add(actionId);
  }

  /** The action ended: its last totals go out now. */
  forget(actionId: string): void {
    this.reportDropped();
    this.totals.delete(actionId);
    this.changed.delete(actionId);
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private reportDropped(): void {
    for (const [actionId, counts] of this.unmetered) {
      for (const [cause, count] of counts) {
        const { reason, limit } = split(cause);
        this.sinks.metric(actionId, reason, count, limit);
      }
    }
    this.unmetered.clear();
    for (const [actionId, counts] of this.pending) {
      for (const [cause, count] of counts) {
        const sent = this.sinks.publish({
          kind: 'dropped',
          agentId: this.sinks.agentId,
          time: isoTime(Date.now()),
          actionId,
          count,
          reason: REASONS[cause],
        });
        if (sent) counts.delete(cause);
      }
      if (counts.size === 0) this.pending.delete(actionId);
    }
  }

  private reportTotals(): void {
    for (const actionId of this.changed) {
      const counts = this.totals.get(actionId);
      if (counts === undefined) continue;
      this.sinks.status(actionId, totalsText(counts));
    }
    this.changed.clear();
  }
}

/** The sampled hits first, as one total with the limits they were over, then the other reasons. */
function totalsText(counts: Map<Cause, number>): string {
  const sampled: [SampledLimit, number][] = [];
  const others: string[] = [];
  for (const [cause, count] of counts) {
    const { reason, limit } = split(cause);
    if (limit !== undefined) sampled.push([limit, count]);
    else others.push(`${grouped(count)} ${LABELS[reason as keyof typeof LABELS]}`);
  }
  if (sampled.length === 0) return others.join(', ');
  const total = sampled.reduce((sum, [, count]) => sum + count, 0);
  const limits =
    sampled.length === 1
      ? LIMIT_LABELS[sampled[0]![0]]
      : sampled.map(([limit, count]) => `${grouped(count)} ${LIMIT_LABELS[limit]}`).join(', ');
  return [`${grouped(total)} sampled (${limits})`, ...others].join(', ');
}

function split(cause: Cause): { reason: NotExportedReason; limit: SampledLimit | undefined } {
  return cause.startsWith('sampled_') && cause !== 'sampled_estimated'
    ? { reason: 'sampled', limit: cause.slice('sampled_'.length) as SampledLimit }
    : { reason: cause as NotExportedReason, limit: undefined };
}

function addTo(map: Map<string, Map<Cause, number>>, actionId: string, cause: Cause, count: number): void {
  let counts = map.get(actionId);
  if (counts === undefined) map.set(actionId, (counts = new Map()));
  counts.set(cause, (counts.get(cause) ?? 0) + count);
}
