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
/** A warning names a pattern, a path and the fix: cut only when those are absurdly long. */
const MAX_WARNING_LENGTH = 1000;

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
    this.changed();
  }

  /** A problem with the patterns themselves (prepare-settings.ts), said once each. */
  warn(line: string): void {
    this.known = true;
    this.summary.warnings = [...(this.summary.warnings ?? []), shorten(line, MAX_WARNING_LENGTH)].slice(0, PREPARE_FAILURES_LISTED);
    this.changed();
  }

  private changed(): void {
    clearTimer(this.timer);
    this.timer = setTimer(() => this.listener?.(this.copy()), QUIET_MS);
    this.timer.unref();
  }

  private copy(): PrepareSummary {
    return {
      ...this.summary,
      failures: [...this.summary.failures],
      ...(this.summary.warnings ? { warnings: [...this.summary.warnings] } : {}),
    };
  }
}

function shorten(text: string, max = MAX_REASON_LENGTH): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
