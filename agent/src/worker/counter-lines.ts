/**
 * Live lines for counters: a counter on a hot path would otherwise send a line per batch of
 * hits, crowding the console and spending the live-output quota (whose dropped lines the
 * control plane cannot count). One line per action per second, `name +n`, stands for n hits.
 */
import type { MetricReading, OutputEvent } from '@liveprobe/protocol';
import type { LiveOutput } from './live-output.js';
import { isoTime } from '../iso-time.js';

const LINE_INTERVAL_MS = 1000;

type Line = Omit<OutputEvent, 'time' | 'message' | 'hits' | 'metric'> & { metric: Omit<MetricReading, 'value'> };

export class CounterLines {
  private readonly pending = new Map<string, { line: Line; hits: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly live: LiveOutput) {}

  add(line: Line, hits: number): void {
    const known = this.pending.get(line.actionId);
    if (known === undefined) this.pending.set(line.actionId, { line, hits });
    else known.hits += hits;
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const actionId of [...this.pending.keys()]) this.flush(actionId);
    }, LINE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Sends what the action counted since its last line (also when the action is finishing). */
  flush(actionId: string): void {
    const known = this.pending.get(actionId);
    if (known === undefined) return;
    this.pending.delete(actionId);
    const { metric, ...line } = known.line;
    this.live.send({
      ...line,
      time: isoTime(Date.now()),
      message: `${metric.name} +${known.hits}`,
      hits: known.hits,
      metric: { ...metric, value: known.hits },
    });
  }
}
