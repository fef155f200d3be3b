/** What one bench/<name>.bench.ts exports as default, and what it reports. */
import type { TargetRow } from './targets.js';

export interface BenchOptions {
  /** Seconds of the memory soak (`--soak`). */
  soakSeconds: number;
  /** Fleet sizes of the propagation benchmark (`--fleet`). */
  fleetSizes: number[];
  /** Rounds of interleaved measurements (`--rounds`); each benchmark has its own default. */
  rounds: number | undefined;
  /** Seconds of each HTTP load run (`--duration`). */
  httpSeconds: number;
}

export interface BenchContext {
  options: BenchOptions;
  /** Progress for the person waiting, on stderr; the report goes to stdout. */
  progress(line: string): void;
}

export interface Report {
  /** Markdown tables and notes, in order. */
  blocks: string[];
  /** Issue 21's targets this benchmark measures, gathered by the runner into one "Targets" table. */
  targets?: TargetRow[];
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Report>;
}
