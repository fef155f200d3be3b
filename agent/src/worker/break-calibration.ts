/**
 * Measures, once per inspector session and before the first duration or tic-toc goes on
 * breakpoints, what V8's breakpoints add to an interval timed on them: a tic and a toc on the
 * agent's own `calibrationTarget` (main/break-calibration.ts), placed and conditioned exactly
 * as on an app's function, while the main thread calls it; the main thread then takes that
 * cost off every breakpoint-timed interval.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { fileURLToPath } from 'node:url';
import type { Calibrated, ToMain } from '../bridge.js';
import { conditionSource } from './condition-source.js';
import type { InspectorSession } from './inspector-session.js';
import { namedFunctionSites, positionKey, type SiteContext } from './sites.js';

const TARGET_FILE = fileURLToPath(new URL('../main/break-calibration.js', import.meta.url));
const TARGET_FUNCTION = 'calibrationTarget';
const RUNS = 30;
/** The main thread may be busy: past this, durations go on uncalibrated. */
const ANSWER_MS = 10_000;

export class BreakCalibration {
  private measured: Promise<number | undefined> | undefined;
  private answer: ((result: Calibrated | undefined) => void) | undefined;

  constructor(
    private readonly sites: SiteContext,
    private readonly session: InspectorSession,
    private readonly post: (message: ToMain) => void,
    private readonly newKey: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * V8's cost of one measurement, in milliseconds, now taken off each on the main thread;
   * undefined when it could not be measured (a remote target has no agent files to time).
   */
  overheadMs(): Promise<number | undefined> {
    this.measured ??= this.run().catch((err: unknown) => {
      this.log(`could not measure the breakpoints' own cost, so durations on breakpoints include it: ${errorMessage(err)}`);
      return undefined;
    });
    return this.measured;
  }

  /** A new session: the next timed action measures again. */
  forget(): void {
    this.measured = undefined;
  }

  received(result: Calibrated): void {
    this.answer?.(result);
  }

  private async run(): Promise<number | undefined> {
    const pair = this.newKey();
    const sites = await namedFunctionSites(TARGET_FILE, TARGET_FUNCTION, pair, this.sites);
    const keys: number[] = [];
    const ids: string[] = [];
    try {
      for (const [index, site] of sites.entries()) {
        const key = index === 0 ? pair : this.newKey();
        keys.push(key);
        const { resolved, role } = site;
        this.post({
          t: 'arm',
          key,
          actionId: 'liveprobe-calibration',
          roots: [],
          maxHits: Number.MAX_SAFE_INTEGER,
          expiresAt: Number.MAX_SAFE_INTEGER,
          file: resolved.file,
          line: resolved.line,
          metric: { ...role!, at: positionKey(site), attributes: [] },
          calibration: true,
        });
        const { generated } = resolved;
        const set = await this.session.setBreakpoint(
          resolved.script,
          generated.line,
          generated.column,
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
        this.post({ t: 'calibrate', runs: RUNS });
      });
      if (result?.overheadMs === undefined) throw new Error(result === undefined ? 'the main thread did not answer' : 'no call was timed');
      return result.overheadMs;
    } finally {
      this.answer = undefined;
      for (const id of ids) await this.session.removeBreakpoint(id);
      for (const key of keys) this.post({ t: 'disarm', key });
    }
  }
}
