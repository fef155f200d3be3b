/**
 * Why the broker keeps closing an agent's connection, for both broker links (the worker's and
 * the app thread's standby link). Over MQTT 3.1.1, which the agent speaks (the embedded broker,
 * aedes, speaks no MQTT 5), a broker gives no reason when it closes a connection: it closes it
 * when it refuses a publish (the embedded broker refuses a status whose tags the agent token does
 * not grant, and says so in the control plane's log) and when another client connects with the
 * same client id (the agent id). Both repeat every second, each reconnect accepted and closed
 * again; what sets them apart is when the close comes.
 */

/** A connection closed sooner than this after it was made counts as closed as it was made. */
const SHORT_MS = 5000;
/** Closes in a row before the agent says why it thinks they come. */
const TELL_AFTER = 2;

export class BrokerDrops {
  private connectedAt: number | undefined;
  private subscribed = false;
  private streak = 0;
  private error = false;

  constructor(
    private readonly agentId: string,
    private readonly now: () => number,
  ) {}

  /** While the broker keeps closing the connection as it is made: "connected" and "lost" are not news. */
  get repeating(): boolean {
    return this.streak >= TELL_AFTER;
  }

  connected(): void {
    this.connectedAt = this.now();
    this.subscribed = false;
  }

  /** The broker acknowledged the desired-state subscriptions. */
  subscriptionsAcknowledged(): void {
    this.subscribed = true;
  }

  /** The link reported an error (the broker unreachable, credentials refused): a close after it is no mystery. */
  errored(): void {
    this.error = true;
  }

  /**
   * The connection closed (not by the agent): the line to log, if any. Once, when the closes have
   * a likely reason, that reason; otherwise `lost` for a connection that was up, unless the
   * closes already repeat.
   */
  closed(wasUp: boolean, lost: string): string | undefined {
    const repeating = this.repeating;
    const why = this.reason();
    return why ?? (wasUp && !repeating ? lost : undefined);
  }

  private reason(): string | undefined {
    const { connectedAt, error } = this;
    this.connectedAt = undefined;
    this.error = false;
    const lasted = connectedAt !== undefined && this.subscribed && this.now() - connectedAt >= SHORT_MS;
    if (error || lasted) {
      this.streak = 0;
      return undefined;
    }
    // A close with no CONNACK handled and no error: the broker accepted the connection and closed
    // it at once, as it does on a refused publish that comes right behind the CONNECT (a status
    // still unacknowledged, sent again).
    if (++this.streak !== TELL_AFTER) return undefined;
    return connectedAt !== undefined && this.subscribed
      ? `the broker keeps closing this agent's connection within seconds of accepting it: another process is likely connected with the same agent id, ${this.agentId} (a broker keeps one connection per client id); give each process its own LIVEPROBE_AGENT_ID; retrying every second`
      : `the broker keeps closing this agent's connection as soon as it accepts it, before acknowledging its subscriptions: it refuses something the agent sends as it connects (with the control plane's broker, its status: the tags in LIVEPROBE_TAGS must be ones the agent token grants; the control plane's log says what it refused), or another process connects with the same agent id, ${this.agentId} (LIVEPROBE_AGENT_ID); retrying every second`;
  }
}
