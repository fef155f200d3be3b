/**
 * Checks each desired state against the protocol's schema without keeping zod in the worker.
 * zod and the action schemas cost the worker ~3 MiB of RSS for as long as it runs once loaded
 * (docs/BENCHMARKS.md, agent memory): a module cannot be unloaded. So the check
 * (desired-state-check.ts, bundled as one script) runs in a context of its own, made when a
 * desired state arrives and dropped a few seconds after the last one of a burst, with the
 * garbage it leaves (heap-release.ts). The state's text goes in and the parsed state comes back
 * as JSON, so nothing of that context's realm outlives it. What V8 compiled of the script in the
 * first burst (its code cache, ~0.4 MiB off the heap) is kept as that context is dropped: each
 * later context compiles the script from it instead of parsing its 0.45 MB of text again, ~70 M
 * fewer instructions on the worker per burst (docs/BENCHMARKS.md, install stall). With the
 * inspector session open from start-up the context is kept instead (keepLoaded): that app chose to
 * pay at start-up, not at each install, and rebuilding the context (zod's top level, ~80 M
 * instructions) was most of the worker's work for an install or removal after a quiet spell.
 */
import { fileURLToPath } from 'node:url';
import { createContext, Script } from 'node:vm';
import type { DesiredState } from '@liveprobe/protocol';
import type { DesiredStateCheck } from './desired-state-check.js';
import { releaseHeap } from './heap-release.js';
import { sampleState } from './install-path-warmup.js';
import { readOwnFileText } from '../own-file-text.js';

/** Beside the worker's bundle (wherever its folder was copied); from dist/worker/ or src/worker/ (tests), in the agent's dist/. */
const SCRIPT = import.meta.url.includes('/worker-bundle/')
  ? new URL('desired-state-check.js', import.meta.url)
  : new URL('../../dist/worker-bundle/desired-state-check.js', import.meta.url);
/** A burst (actions added one by one, each a new desired state) reuses one context. */
const FORGET_AFTER_MS = 5000;

/** The check loaded in its context, and the script it was compiled from. */
interface LoadedCheck {
  check: (text: string) => DesiredStateCheck;
  script: Script;
  /** Whether V8 compiled the script from the kept code cache. */
  cached: boolean;
}

export class DesiredStateChecker {
  private loaded: LoadedCheck | undefined;
  private timer: NodeJS.Timeout | undefined;
  private keep = false;

  /** `onLoad`: told each time a context is made, and whether V8 compiled the script from the code cache. */
  constructor(private readonly onLoad: (cached: boolean) => void = () => {}) {}

  /** From now on the context stays once made: a burst's end releases its garbage but keeps the check. */
  keepLoaded(): void {
    this.keep = true;
  }

  /** The desired state in `text` as the schema parses it (defaults filled in), or the schema's issues, one line. */
  parse(text: string): { state: DesiredState } | { issues: string } {
    if (this.loaded === undefined) {
      this.loaded = loadCheck();
      this.onLoad(this.loaded.cached);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.forget(), FORGET_AFTER_MS);
    this.timer.unref();
    const result = this.loaded.check(text);
    return result.ok ? { state: JSON.parse(result.json) as DesiredState } : { issues: result.issues };
  }

  /**
   * Makes the code cache before any desired state needs it: a sample one checked (install-path-warmup.ts), its context
   * dropped as a burst's is (or, after keepLoaded, kept for every later desired state). False
   * when there is one already, or a burst is under way to make it.
   */
  warm(): boolean {
    if (codeCache !== undefined || this.loaded !== undefined) return false;
    this.parse(sampleState());
    return true;
  }

  private forget(): void {
    if (this.keep) {
      releaseHeap();
      return;
    }
    // Taken once the burst is over, not on an install's path (serializing costs ~27 M
    // instructions), and after its checks, so it also holds the functions they compiled lazily.
    if (this.loaded?.cached === false) codeCache = this.loaded.script.createCachedData();
    this.loaded = undefined;
    releaseHeap();
  }
}

/** V8's code for the check script, as it stood after the first burst of checks; undefined until then. */
let codeCache: Buffer | undefined;

function loadCheck(): LoadedCheck {
  const filename = fileURLToPath(SCRIPT);
  const script = new Script(readOwnFileText(filename), { filename, ...(codeCache === undefined ? {} : { cachedData: codeCache }) });
  const context = createContext({});
  script.runInContext(context);
  const check = (context as { checkDesiredState: (text: string) => DesiredStateCheck }).checkDesiredState;
  // A cache V8 refused (its version or flags changed) is made again as this burst ends.
  return { check, script, cached: codeCache !== undefined && script.cachedDataRejected === false };
}
