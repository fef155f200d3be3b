/**
 * The probe engine's parsed and scope-analysed scripts (locate/source-analysis.ts), kept while
 * actions install and forgotten soon after: an analysis is needed to place an action, never once
 * it is placed, and it holds many times its script's size (acorn's nodes, the scopes): when it
 * was ~150 times (nodes with their locations, eslint-scope's references), 100 actions in one
 * 19 KB script kept ~3 MiB of the worker's heap for as long as the session stayed open
 * (docs/BENCHMARKS.md, agent memory).
 */
import { type AnalysedSource, analyseSource } from '../locate/source-analysis.js';
import { releaseHeap } from './heap-release.js';

/** A burst of installs (a desired state of many actions, a file that loads) reuses one parse. */
const FORGET_AFTER_MS = 5000;

export class AnalysisCache {
  private readonly analyses = new Map<string, Promise<AnalysedSource | undefined>>();
  private timer: NodeJS.Timeout | undefined;

  /** `source` reads the script's text when it is not analysed yet. */
  get(scriptId: string, source: () => Promise<string>): Promise<AnalysedSource | undefined> {
    let analysed = this.analyses.get(scriptId);
    if (analysed === undefined) {
      analysed = source().then(analyseSource);
      // A failed read is not kept: the next install asks again.
      analysed.catch(() => this.analyses.delete(scriptId));
      this.analyses.set(scriptId, analysed);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.settled(), FORGET_AFTER_MS);
    this.timer.unref();
    return analysed;
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
