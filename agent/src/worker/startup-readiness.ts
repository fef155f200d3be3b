/**
 * When the agent has what it needs to probe the app's first lines: connected, subscribed, the
 * retained desired state received and applied. MQTT does not say how many retained messages a
 * subscription will bring, so "received" means none arrived for QUIET_MS after the subscription
 * was acknowledged. Only the first time counts: it releases an app started with
 * LIVEPROBE_STARTUP_WAIT_MS.
 */
const QUIET_MS = 200;

export class StartupReadiness {
  private subscribedOnce = false;
  private done = false;
  private applied: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly announce: () => void) {}

  subscribed(): void {
    this.subscribedOnce = true;
    this.restart();
  }

  /** A desired state arrived; `applied` settles once the engine has reconciled it. */
  desired(applied: Promise<unknown>): void {
    this.applied = applied;
    if (this.subscribedOnce) this.restart();
  }

  private restart(): void {
    if (this.done) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.applied.then(() => {
        if (this.done) return;
        this.done = true;
        this.announce();
      });
    }, QUIET_MS);
    this.timer.unref();
  }
}
