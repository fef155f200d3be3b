/**
 * The tally of how prepared files fared, for the agent's status: counts, and the first files
 * left untouched with why. Kept on the app's main thread, where each file loads (lazy
 * `require`/`import()` included), so the status says it whether the worker runs yet or not
 * (main/standby-link.ts publishes it until then); a burst of loads becomes one update.
 */
import { PREPARE_FAILURES_LISTED, type PrepareSummary } from '@liveprobe/protocol';
import type { PrebuiltFileReport, PreparedOutcomeReport } from '../prepare/prepared-messages.js';
import { setTimer, clearTimer } from './builtins.js';

const QUIET_MS = 300;
/** Keeps the status small whatever an error message holds. */
const MAX_REASON_LENGTH = 300;

export class PrepareTally {
  private readonly summary: PrepareSummary = { transformed: 0, cached: 0, failed: 0, failures: [] };
  private timer: NodeJS.Timeout | undefined;

  /** Set by whoever publishes the status: the app thread's link, then the worker. */
  private listener: ((summary: PrepareSummary) => void) | undefined;
  /** LIVEPROBE_PREPARE is set: the status says so from the birth on, with zeros until files load. */
  private known: boolean;

  constructor(preparing: boolean) {
    this.known = preparing;
  }

  /** The summary so far (undefined while no file was prepared and none is to be) and each change after. */
  onChange(listener: (summary: PrepareSummary) => void): PrepareSummary | undefined {
    this.listener = listener;
    return this.known ? this.copy() : undefined;
  }

  add(outcome: PreparedOutcomeReport | PrebuiltFileReport): void {
    this.known = true;
    const { summary } = this;
    if (outcome.kind === 'prepared') summary.transformed++;
    else if (outcome.kind === 'cached') summary.cached++;
    else if (outcome.kind === 'prebuilt') summary.prebuilt = (summary.prebuilt ?? 0) + 1;
    else {
      summary.failed++;
      if (summary.failures.length < PREPARE_FAILURES_LISTED)
        summary.failures.push({ path: outcome.path, reason: shorten(outcome.reason ?? 'unknown') });
    }
    clearTimer(this.timer);
    this.timer = setTimer(() => this.listener?.(this.copy()), QUIET_MS);
    this.timer.unref();
  }

  private copy(): PrepareSummary {
    return { ...this.summary, failures: [...this.summary.failures] };
  }
}

function shorten(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
