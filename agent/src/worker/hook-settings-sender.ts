/**
 * New capture limits, redaction and quotas on their way to the probe hook. The hook confirms
 * each `settings` message once it has compiled every armed probe again, so whoever waits knows
 * that no hit from then on uses the previous settings.
 */
import type { HookChannel, ToMain } from '../bridge.js';
import type { AgentSettings } from '../settings/agent-config.js';

export class HookSettingsSender {
  private version = 0;
  private readonly unconfirmed = new Map<number, () => void>();

  constructor(private readonly hook: HookChannel) {}

  /** Resolves when the hook confirms. */
  send({ capture, redaction, quotas, logOutputs }: AgentSettings): Promise<void> {
    const version = ++this.version;
    const confirmed = new Promise<void>((resolve) => this.unconfirmed.set(version, resolve));
    this.hook.postMessage({ t: 'settings', version, capture, redaction, quotas, logOutputs } satisfies ToMain);
    return confirmed;
  }

  /** The hook's `settings-applied`. */
  confirmed(version: number): void {
    this.unconfirmed.get(version)?.();
    this.unconfirmed.delete(version);
  }
}
