/**
 * Checks each desired state against the protocol's schema without keeping zod in the worker.
 * zod and the action schemas cost the worker ~3 MiB of RSS for as long as it runs once loaded
 * (docs/BENCHMARKS.md, agent memory): a module cannot be unloaded. So the check
 * (desired-state-check.ts, bundled as one script) runs in a context of its own, made when a
 * desired state arrives and dropped a few seconds after the last one of a burst, with the
 * garbage it leaves (heap-release.ts). The state's text goes in and the parsed state comes back
 * as JSON, so nothing of that context's realm outlives it.
 */
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import type { DesiredState } from '@liveprobe/protocol';
import type { DesiredStateCheck } from './desired-state-check.js';
import { releaseHeap } from './heap-release.js';
import { readOwnFileText } from '../own-file-text.js';

/** Beside the worker's bundle (wherever its folder was copied); from dist/worker/ or src/worker/ (tests), in the agent's dist/. */
const SCRIPT = import.meta.url.includes('/worker-bundle/')
  ? new URL('desired-state-check.js', import.meta.url)
  : new URL('../../dist/worker-bundle/desired-state-check.js', import.meta.url);
/** A burst (actions added one by one, each a new desired state) reuses one context. */
const FORGET_AFTER_MS = 5000;

export class DesiredStateChecker {
  private check: ((text: string) => DesiredStateCheck) | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** The desired state in `text` as the schema parses it (defaults filled in), or the schema's issues, one line. */
  parse(text: string): { state: DesiredState } | { issues: string } {
    this.check ??= loadCheck();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.forget(), FORGET_AFTER_MS);
    this.timer.unref();
    const result = this.check(text);
    return result.ok ? { state: JSON.parse(result.json) as DesiredState } : { issues: result.issues };
  }

  private forget(): void {
    this.check = undefined;
    releaseHeap();
  }
}

function loadCheck(): (text: string) => DesiredStateCheck {
  const context = createContext({});
  runInContext(readOwnFileText(fileURLToPath(SCRIPT)), context, { filename: fileURLToPath(SCRIPT) });
  return (context as { checkDesiredState: (text: string) => DesiredStateCheck }).checkDesiredState;
}
