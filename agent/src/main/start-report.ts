/**
 * The start-up log line for prepared files: how many were prepared or came from the cache,
 * which were left untouched and why, and the time spent. Printed once loading goes quiet: as a
 * warning when a file was left untouched or is large, else as a routine line (which the agent
 * writes only at LIVEPROBE_LOG_LEVEL=debug: it must not change the app's own stderr).
 */
import { setTimer, clearTimer } from './builtins.js';
const QUIET_MS = 300;

export interface FileOutcome {
  path: string;
  kind: 'prepared' | 'cached' | 'failed';
  reason?: string;
  ms: number;
  bytes: number;
}

export interface ReportLog {
  info(line: string): void;
  warn(line: string): void;
}

export class StartReport {
  private outcomes: FileOutcome[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: ReportLog,
    private readonly warnBytes: number,
  ) {}

  add(outcome: FileOutcome): void {
    if (outcome.bytes > this.warnBytes) {
      this.log.warn(
        `warning: prepared a large file, ${(outcome.bytes / 1048576).toFixed(1)} MB, in ${Math.round(outcome.ms)} ms: ${outcome.path} (exclude it with LIVEPROBE_PREPARE=…,!<glob> if start-up suffers)`,
      );
    }
    this.outcomes.push(outcome);
    clearTimer(this.timer);
    this.timer = setTimer(() => this.flush(), QUIET_MS);
    this.timer.unref();
  }

  flush(): void {
    clearTimer(this.timer);
    if (this.outcomes.length === 0) return;
    const done = this.outcomes;
    this.outcomes = [];
    const prepared = done.filter((o) => o.kind === 'prepared').length;
    const cached = done.filter((o) => o.kind === 'cached').length;
    const failed = done.filter((o) => o.kind === 'failed');
    const ms = done.reduce((sum, o) => sum + o.ms, 0);
    const mb = done.reduce((sum, o) => sum + o.bytes, 0) / 1048576;
    const skipped =
      failed.length === 0
        ? ''
        : `; ${failed.length} left untouched (breakpoints only): ${failed.map((o) => `${o.path} (${o.reason ?? 'unknown'})`).join(', ')}`;
    (failed.length === 0 ? this.log.info : this.log.warn)(
      `prepared ${prepared + cached} files (${prepared} transformed, ${cached} from cache, ${mb.toFixed(2)} MB) in ${Math.round(ms)} ms${skipped}`,
    );
  }
}
