/**
 * The worker's tally of how prepared files fared, for the agent's status: counts, and the
 * first files left untouched with why. The main thread reports each file as it loads, lazy
 * `require`/`import()` included; a burst of loads becomes one status update.
 */
import type { MessagePort } from 'node:worker_threads';
import { PREPARE_FAILURES_LISTED, type PrepareSummary } from '@liveprobe/protocol';
import type { PrebuiltFileReport, PreparedOutcomeReport, PreparedToWorker } from '../../prepare/prepared-messages.js';

const QUIET_MS = 300;
/** Keeps the status small whatever an error message holds. */
const MAX_REASON_LENGTH = 300;

export class PrepareTally {
  private readonly summary: PrepareSummary = { transformed: 0, cached: 0, failed: 0, failures: [] };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    port: MessagePort,
    private readonly changed: (summary: PrepareSummary) => void,
    /** LIVEPROBE_PREPARE is set: say so from the birth on. Otherwise the summary appears with the first file prepared at build time. */
    preparing: boolean,
  ) {
    port.on('message', (message: PreparedToWorker) => {
      if (message.t === 'outcome') this.add(message);
    });
    port.unref();
    // From the birth on, the status says this agent prepares files, with zeros until some load.
    if (preparing) changed(this.copy());
  }

  private add(outcome: PreparedOutcomeReport | PrebuiltFileReport): void {
    const { summary } = this;
    if (outcome.kind === 'prepared') summary.transformed++;
    else if (outcome.kind === 'cached') summary.cached++;
    else if (outcome.kind === 'prebuilt') summary.prebuilt = (summary.prebuilt ?? 0) + 1;
    else {
      summary.failed++;
      if (summary.failures.length < PREPARE_FAILURES_LISTED)
        summary.failures.push({ path: outcome.path, reason: shorten(outcome.reason ?? 'unknown') });
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed(this.copy()), QUIET_MS);
    this.timer.unref();
  }

  private copy(): PrepareSummary {
    return { ...this.summary, failures: [...this.summary.failures] };
  }
}

function shorten(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
