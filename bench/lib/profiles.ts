/**
 * Named settings for a whole `npm run bench` (`--profile <name>`): how long each benchmark runs,
 * chosen so that the run fits a time budget on this project's 2-core machine. Options given on
 * the command line win over the profile's.
 */
import type { BenchOptions } from './benchmark.js';

export interface Profile {
  /** What the profile is for, and how long it takes; `--list` prints it. */
  description: string;
  options: Partial<Omit<BenchOptions, 'rounds'>>;
  /** Rounds per benchmark; a benchmark not named gets `otherRounds`, or else keeps its own default. */
  rounds: Record<string, number>;
  otherRounds?: number;
}

export const PROFILES: Record<string, Profile> = {
  docs: {
    description:
      'the run docs/BENCHMARKS.md is pasted from: every benchmark, the 10-minute soak, fleets of 100, 1,000 and 5,000, 4 s HTTP runs; about 48 minutes on a quiet 2-core machine',
    options: { soakSeconds: 600, fleetSizes: [100, 1000, 5000], httpSeconds: 4 },
    // The longest benchmarks, trimmed to fit 30 minutes; the others keep their own rounds.
    rounds: { 'python-agent': 3, 'duration-accuracy': 2, propagation: 3 },
  },
  quick: {
    description:
      'every benchmark once with small settings, to check that each runs and see the Targets table: about 10 minutes on 2 cores, and nothing resolved',
    options: { soakSeconds: 10, fleetSizes: [1000], httpSeconds: 2 },
    rounds: {},
    otherRounds: 1,
  },
};

/** The options of a run: the command line's, else the profile's, else the defaults. */
export function resolveOptions(
  given: Partial<BenchOptions>,
  defaults: Omit<BenchOptions, 'rounds'>,
  profile: Profile | undefined,
): (benchmark: string) => BenchOptions {
  const base = { ...defaults, ...profile?.options };
  const fixed = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Partial<BenchOptions>;
  return (benchmark) => ({
    ...base,
    rounds: profile?.rounds[benchmark] ?? profile?.otherRounds,
    ...fixed,
  });
}
