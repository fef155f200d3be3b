/**
 * The worker's parsed and scope-analysed scripts (locate/source-analysis.ts), kept while
 * actions install and forgotten soon after: an analysis is needed to place an action, never once
 * it is placed, and it holds many times its script's size (acorn's nodes, the scopes): when it
 * was ~150 times (nodes with their locations, eslint-scope's references), 100 actions in one
 * 19 KB script kept ~3 MiB of the worker's heap for as long as the session stayed open
 * (docs/BENCHMARKS.md, agent memory). The breakpoint path keeps promises of analyses by script
 * id (probe-engine.ts), the prepared path analyses by file path (prepared/prepared-sites.ts).
 * The inspector session keeps the scripts' sources it read so too (inspector-session.ts).
 */
import { releaseHeap } from './heap-release.js';

/** A burst of installs (a desired state of many actions, a file that loads) reuses one parse. */
const FORGET_AFTER_MS = 5000;

export class AnalysisCache<V> {
  private readonly analyses = new Map<string, V>();
  private timer: NodeJS.Timeout | undefined;

  /** `analyse` makes the value when `key` has none yet. */
  get(key: string, analyse: () => V): V {
    let analysed: V;
    if (this.analyses.has(key)) analysed = this.analyses.get(key)!;
    else {
      analysed = analyse();
      this.analyses.set(key, analysed);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settled(), FORGET_AFTER_MS);
    this.timer.unref();
    return analysed;
  }

  /** Drops one value (a read that failed: the next install asks again). */
  delete(key: string): void {
    this.analyses.delete(key);
  }

  /** The burst of installs is over: its analyses, and the garbage it left, go now (heap-release.ts). */
  private settled(): void {
    this.clear();
    releaseHeap();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.analyses.clear();
  }
}
