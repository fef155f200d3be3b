/**
 * Logs each different line once: a client refused for the same reason comes back every
 * second (mqtt.js reconnects), and a flood of refusals must not flood the log. The set of
 * lines seen is bounded; the oldest go first.
 */
export class OncePerReason {
  private readonly seen = new Set<string>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly max = 1000,
  ) {}

  log(line: string): void {
    if (this.seen.has(line)) return;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(line);
    this.write(line);
  }
}
