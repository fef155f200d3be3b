/**
 * Measures what V8's breakpoints add to an interval timed on them, before a duration or tic-toc
 * goes on breakpoints: a tic and a toc, conditioned exactly as on an app's function, on a target
 * the main thread then calls (main/break-calibration.ts). For a duration the target is a copy of
 * its function (V8's cost grows with the function), measured once per function and session, so
 * every action on the function takes the same amount off; otherwise, or when the copy cannot be
 * compiled, a copy of a small function of the agent's, once per session.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import type { Calibrated, FunctionCopy, ToMain } from '../bridge.js';
import type { MetricRole } from '../locate/arm-spec.js';
import { conditionSource } from './condition-source.js';
import { ownTargetCopy, type PlacedCopy } from './function-copy.js';
import type { InspectorSession, LoadedScript } from './inspector-session.js';
const RUNS = 30;
/** The main thread may be busy: past this, durations go on uncalibrated. */
const ANSWER_MS = 10_000;

/** One breakpoint of the calibration. */
interface Spot {
  script: Pick<LoadedScript, 'url'>;
  line: number;
  column: number | undefined;
  role: MetricRole;
}

/** A duration's function (`id` names it), timed on its copy when it has one. */
export type Measured = { id: string; copy: PlacedCopy | undefined };

/** The cache key: the function's, or '' for the agent's own target. */
function idOf(measured: Measured | undefined): string {
  return measured?.copy === undefined ? '' : measured.id;
}

/** What was measured, in milliseconds, and on what. */
export interface Overhead {
  ms: number;
  /** True when measured on a copy of the function itself. */
  ownCopy: boolean;
}

export class BreakCalibration {
  /** By function (its script and offset), and '' for the agent's own target. */
  private readonly measured = new Map<string, Promise<Overhead | undefined>>();
  /** What the calibrations of this session settled to, by the same keys. */
  private readonly settled = new Map<string, Overhead | undefined>();
  /** The calibration running, or settled: the next one starts after it. */
  private turn: Promise<unknown> = Promise.resolve();
  private answer: ((result: Calibrated | undefined) => void) | undefined;

  constructor(
    private readonly session: InspectorSession,
    private readonly post: (message: ToMain) => void,
    private readonly newKey: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * V8's least cost of one measurement; undefined when it could not be measured (no call
   * was timed, or the app's thread did not answer). `measured`: a duration's function (`id` names it),
   * timed on its copy when it has one. Calibrations run one at a time, in the order asked.
   */
  overhead(measured?: Measured): Promise<Overhead | undefined> {
    const copy = measured?.copy;
    const id = idOf(measured);
    let overhead = this.measured.get(id);
    if (overhead === undefined) {
      // One at a time: the main thread answers one calibration at a time, to `answer`.
      overhead = this.remember(
        id,
        this.turn.then(() => (copy === undefined ? this.ownTarget() : this.copy(copy))),
      );
      this.turn = overhead;
    }
    return overhead;
  }

  /**
   * What `overhead` settled to, without waiting: `{ overhead }` once measured (undefined inside:
   * it could not be), undefined while not measured yet in this session.
   */
  known(measured?: Measured): { overhead: Overhead | undefined } | undefined {
    const id = idOf(measured);
    return this.settled.has(id) ? { overhead: this.settled.get(id) } : undefined;
  }

  /** A new session: measure again. */
  forget(): void {
    this.measured.clear();
    this.settled.clear();
  }

  /** Caches `overhead` under `id`, logging a failure once; settles when it does, never rejecting. */
  private remember(id: string, overhead: Promise<Overhead | undefined>): Promise<Overhead | undefined> {
    const settled: Promise<Overhead | undefined> = overhead
      .catch((err: unknown) => {
        this.log(`could not measure the breakpoints' own cost, so durations on breakpoints include it: ${errorMessage(err)}`);
        return undefined;
      })
      .then((result) => {
        // Measured in a session since closed: the next one measures again.
        if (this.measured.get(id) === settled) this.settled.set(id, result);
        return result;
      });
    this.measured.set(id, settled);
    return settled;
  }

  received(result: Calibrated): void {
    this.answer?.(result);
  }

  /**
   * A copy the main thread could not compile falls back to the agent's own target, measured in
   * this turn unless already known (a turn queued for it would wait for this one).
   */
  private async copy(placed: PlacedCopy): Promise<Overhead | undefined> {
    const ms = await this.timed(placed);
    if (ms !== undefined) return { ms, ownCopy: true };
    const own = this.known();
    return own === undefined ? this.ownTarget() : own.overhead;
  }

  private async ownTarget(): Promise<Overhead | undefined> {
    const ms = await this.timed(ownTargetCopy());
    if (ms === undefined) throw new Error('no call was timed');
    return { ms, ownCopy: false };
  }

  private timed({ copy, url, tic, toc }: PlacedCopy): Promise<number | undefined> {
    const pair = this.newKey();
    const script = { url };
    const spots: Spot[] = [
      { script, ...tic, role: { role: 'tic', pair } },
      { script, ...toc, role: { role: 'toc', pair, outcome: 'return' } },
    ];
    return this.measure(spots, pair, copy);
  }

  /** Sets the spots' breakpoints, has the main thread call the target, and takes them away. */
  private async measure(spots: Spot[], pair: number, copy: FunctionCopy): Promise<number | undefined> {
    const keys: number[] = [];
    const ids: string[] = [];
    try {
      for (const [index, spot] of spots.entries()) {
        const key = index === 0 ? pair : this.newKey();
        keys.push(key);
        this.post({
          t: 'arm',
          key,
          actionId: 'liveprobe-calibration',
          roots: [],
          maxHits: Number.MAX_SAFE_INTEGER,
          expiresAt: Number.MAX_SAFE_INTEGER,
          file: spot.script.url,
          line: spot.line,
          metric: { at: `${spot.script.url}:${spot.line}:${spot.column ?? ''}`, ...spot.role, attributes: [] },
          calibration: true,
        });
        // Set by URL: only the script's URL is read, and a copy's script does not exist yet.
        const set = await this.session.setBreakpoint(
          spot.script as LoadedScript,
          spot.line,
          spot.column,
          conditionSource(key, [], false, {}),
          key,
        );
        ids.push(set.breakpointId);
      }
      const result = await new Promise<Calibrated | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ANSWER_MS);
        timer.unref();
        this.answer = (answer) => {
          clearTimeout(timer);
          resolve(answer);
        };
        this.post({ t: 'calibrate', runs: RUNS, copy });
      });
      if (result === undefined) throw new Error('the main thread did not answer');
      return result.overheadMs;
    } finally {
      this.answer = undefined;
      for (const id of ids) await this.session.removeBreakpoint(id);
      for (const key of keys) this.post({ t: 'disarm', key });
    }
  }
}
