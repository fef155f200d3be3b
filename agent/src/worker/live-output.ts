/**
 * Live output to the control plane is a preview for people, so it is rate-limited per action
 * and dropped (with a count) while the broker is away; it never grows without bound. The
 * full stream goes through OpenTelemetry.
 */
import type { AgentEvent } from '@liveprobe/protocol';
import { isoTime } from '../iso-time.js';

const REPORT_INTERVAL_MS = 1000;

type OutputEvent = Extract<AgentEvent, { kind: 'output' }>;

const asMade = (event: OutputEvent): OutputEvent => event;

/** An action's second of live output: the lines sent in it, and those dropped not yet reported. */
interface Window {
  start: number;
  sent: number;
  dropped: number;
}

export class LiveOutput {
  /**
   * By action. A window is reused from one second to the next, so a hot action's line over the
   * rate (most of them, logging every request) costs one lookup and an increment, no allocation.
   */
  private readonly windows = new Map<string, Window>();
  /** Lines dropped for actions forgotten before their count was reported. */
  private readonly forgotten = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly perSecond: number,
    private readonly agentId: string,
    private readonly publish: (event: AgentEvent) => boolean,
  ) {
    this.timer = setInterval(() => this.reportDropped(), REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  send(event: OutputEvent): void {
    this.sendMade(event.actionId, asMade, event);
  }

  /**
   * `make(from)` runs only for a line within the rate: a hot action's lines are mostly counted,
   * never built (and, `make` being a function made once, no closure is made per line either).
   */
  sendMade<T>(actionId: string, make: (from: T) => OutputEvent, from: T): void {
    const now = Date.now();
    let window = this.windows.get(actionId);
    if (window === undefined) {
      window = { start: now, sent: 0, dropped: 0 };
      this.windows.set(actionId, window);
    } else if (now - window.start >= 1000) {
      window.start = now;
      window.sent = 0;
    }
    if (window.sent >= this.perSecond || !this.publish(make(from))) {
      window.dropped++;
      return;
    }
    window.sent++;
  }

  /** The action is gone: its window goes, and its dropped lines are still reported. */
  forget(actionId: string): void {
    const window = this.windows.get(actionId);
    if (window === undefined) return;
    this.windows.delete(actionId);
    if (window.dropped > 0) this.forgotten.set(actionId, (this.forgotten.get(actionId) ?? 0) + window.dropped);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private reportDropped(): void {
    for (const [actionId, window] of this.windows) if (window.dropped > 0 && this.report(actionId, window.dropped)) window.dropped = 0;
    for (const [actionId, count] of this.forgotten) if (this.report(actionId, count)) this.forgotten.delete(actionId);
  }

  /** One dropped event; false when the broker is away (the count waits for the next report). */
  private report(actionId: string, count: number): boolean {
    return this.publish({
      kind: 'dropped',
      agentId: this.agentId,
      time: isoTime(Date.now()),
      actionId,
      count,
      reason: `live output is limited to ${this.perSecond} lines per second per action, or the broker was unreachable; every line still went to OpenTelemetry`,
    });
  }
}
