/**
 * Live output to the control plane is a preview for people, so it is rate-limited per action
 * and dropped (with a count) while the broker is away; it never grows without bound. The
 * full stream goes through OpenTelemetry.
 */
import type { AgentEvent } from '@liveprobe/protocol';

const REPORT_INTERVAL_MS = 1000;

export class LiveOutput {
  private readonly windows = new Map<string, { start: number; sent: number }>();
  private readonly dropped = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly perSecond: number,
    private readonly agentId: string,
    private readonly publish: (event: AgentEvent) => boolean,
  ) {
    this.timer = setInterval(() => this.reportDropped(), REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  send(event: Extract<AgentEvent, { kind: 'output' }>): void {
    this.sendMade(event.actionId, () => event);
  }

  /** `make` runs only for a line within the rate: a hot action's lines are mostly counted, never built. */
  sendMade(actionId: string, make: () => Extract<AgentEvent, { kind: 'output' }>): void {
    const now = Date.now();
    let window = this.windows.get(actionId);
    if (window === undefined || now - window.start >= 1000) {
      window = { start: now, sent: 0 };
      this.windows.set(actionId, window);
    }
    if (window.sent >= this.perSecond || !this.publish(make())) {
      this.dropped.set(actionId, (this.dropped.get(actionId) ?? 0) + 1);
      return;
    }
    window.sent++;
  }

  forget(actionId: string): void {
    this.windows.delete(actionId);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private reportDropped(): void {
    for (const [actionId, count] of this.dropped) {
      const sent = this.publish({
        kind: 'dropped',
        agentId: this.agentId,
        time: new Date().toISOString(),
        actionId,
        count,
        reason: `live output is limited to ${this.perSecond} lines per second per action, or the broker was unreachable; every line still went to OpenTelemetry`,
      });
      if (sent) this.dropped.delete(actionId);
    }
  }
}
