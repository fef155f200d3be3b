/**
 * Hits an action did not export, counted by reason and never silent: sampled out on a prepared
 * site or a breakpoint (over the action's rate, its output quota or the agent's CPU budget), the
 * hits a sampling breakpoint missed while out of V8 (estimated), or dropped on the
 * way out (the exporter's queue was full, or the export failed). Once a second the counts go to
 * the live stream as a `dropped` notice and to the `liveprobe.hits.not_exported` metric; every
 * few seconds the totals so far go into the action's status.
 */
import type { AgentEvent } from '@liveprobe/protocol';
import { isoTime } from '../iso-time.js';
import { grouped } from '@liveprobe/protocol/util';

export type NotExportedReason = 'sampled' | 'sampled_estimated' | 'export_queue_full' | 'export_failed';

const REPORT_INTERVAL_MS = 1000;
const STATUS_INTERVAL_MS = 5000;

const REASONS: Record<NotExportedReason, string> = {
  sampled: "sampled: over the action's ratePerSecond, its output quota or the agent's CPU budget, these hits were counted, not captured",
  sampled_estimated:
    "sampled: the action's breakpoint was out of V8 between sampling windows; these hits are estimated from the line's rate while it was in",
  export_queue_full:
    "the OpenTelemetry exporter's queue was full (OTEL_BLRP_MAX_QUEUE_SIZE): lower the action's ratePerSecond or raise the queue",
  export_failed: 'the OTLP export failed: check that the collector at OTEL_EXPORTER_OTLP_ENDPOINT is up',
};

/** How a reason reads in the status's totals: "12,000 sampled, ~90,000 sampled while off (estimated)". */
const LABELS: Record<NotExportedReason, string> = {
  sampled: 'sampled',
  sampled_estimated: 'sampled while off (estimated)',
  export_queue_full: 'export queue full',
  export_failed: 'export failed',
};

export interface NotExportedSinks {
  agentId: string;
  publish: (event: AgentEvent) => boolean;
  /** Adds to the OpenTelemetry counter. */
  metric: (actionId: string, reason: NotExportedReason, count: number) => void;
  /** The totals so far, for the action's status: "12,000 sampled, 40 export queue full". */
  status: (actionId: string, totals: string) => void;
}

export class NotExported {
  /** Not yet on the live stream. */
  private readonly pending = new Map<string, Map<NotExportedReason, number>>();
  /** Not yet added to the metric: one addition a second, not one per dropped record of a flood. */
  private readonly unmetered = new Map<string, Map<NotExportedReason, number>>();
  private readonly totals = new Map<string, Map<NotExportedReason, number>>();
  /** Actions whose totals changed since their last status. */
  private readonly changed = new Set<string>();
  private readonly timers: NodeJS.Timeout[];

  constructor(private readonly sinks: NotExportedSinks) {
    this.timers = [setInterval(() => this.reportDropped(), REPORT_INTERVAL_MS), setInterval(() => this.reportTotals(), STATUS_INTERVAL_MS)];
    for (const timer of this.timers) timer.unref();
  }

  add(actionId: string, reason: NotExportedReason, count: number): void {
    if (count <= 0) return;
    addTo(this.pending, actionId, reason, count);
    addTo(this.unmetered, actionId, reason, count);
    addTo(this.totals, actionId, reason, count);
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
    for (const [actionId, counts] of this.unmetered) for (const [reason, count] of counts) this.sinks.metric(actionId, reason, count);
    this.unmetered.clear();
    for (const [actionId, counts] of this.pending) {
      for (const [reason, count] of counts) {
        const sent = this.sinks.publish({
          kind: 'dropped',
          agentId: this.sinks.agentId,
          time: isoTime(Date.now()),
          actionId,
          count,
          reason: REASONS[reason],
        });
        if (sent) counts.delete(reason);
      }
      if (counts.size === 0) this.pending.delete(actionId);
    }
  }

  private reportTotals(): void {
    for (const actionId of this.changed) {
      const counts = this.totals.get(actionId);
      if (counts === undefined) continue;
      const text = [...counts].map(([reason, count]) => `${grouped(count)} ${LABELS[reason]}`).join(', ');
      this.sinks.status(actionId, text);
    }
    this.changed.clear();
  }
}

function addTo(map: Map<string, Map<NotExportedReason, number>>, actionId: string, reason: NotExportedReason, count: number): void {
  let counts = map.get(actionId);
  if (counts === undefined) map.set(actionId, (counts = new Map()));
  counts.set(reason, (counts.get(reason) ?? 0) + count);
}
