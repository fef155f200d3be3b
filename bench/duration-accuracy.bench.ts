/**
 * How close a `duration` action comes to the app's own time: an app times each call of a
 * small function with performance.now() around the call and inside it, first with no action
 * (the app's own time of a call), then with two duration actions on the function reporting
 * the same calls. Both install paths side by side, the breakpoint path with V8's measured cost
 * taken off (worker/break-calibration.ts), the order of the apps alternating each round.
 * With actions on, the time around the call includes what the probes cost the app, so each
 * reported call is set beside the app's time inside it plus the call's own cost with no
 * action, and counted within the issue's bound (10% or 20 µs, whichever is larger).
 */
import type { ActionInput } from '@liveprobe/protocol';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus, type EventStream } from './lib/control-plane-api.js';
import { sig } from './lib/format.js';
import type { NodeProcess } from './lib/node-process.js';
import { startOtlpSink } from './lib/otlp-sink.js';
import { fixture, fromRoot } from './lib/paths.js';
import { median, percentile } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const FILE = 'bench/fixtures/timed-work.mjs';
/** The function's own busy time per call, µs: the 20 µs case, and longer ones. */
const WORK_US = [20, 200, 2000];
/** The probed functions: the same work in a 6-line function and in a 250-line one with more locals. */
const FUNCTIONS = [
  { name: 'work', label: '6 lines' },
  { name: 'workLarge', label: '250 lines' },
] as const;
type FunctionName = (typeof FUNCTIONS)[number]['name'];
const CALLS = 30;
const GAP_MS = 40;
/** Calls left out of the per-call figures: the first hits compile the conditions and the hook's code. */
const WARMUP = 3;

interface Path {
  key: 'breakpoints' | 'prepared';
  app: NodeProcess;
  agentId: string;
}

interface Sample {
  path: Path['key'];
  fn: FunctionName;
  us: number;
  /** The app's time around the call and inside it, ms; `bare`: with no action. */
  outer: number;
  inner: number;
  bare: { outer: number; inner: number };
  /** What each of the two actions reported, ms. */
  reported: [number, number];
  first: boolean;
}

/** The app's own time of the call: its time inside, plus what a call costs around that with no action. */
const appTime = (s: Sample): number => s.inner + (s.bare.outer - s.bare.inner);
const error = (s: Sample): number => s.reported[0] - appTime(s);
const within = (s: Sample): boolean => Math.abs(error(s)) <= Math.max(0.1 * appTime(s), 0.02);

type Timed = { inner: number[]; outer: number[] };

/** `calibrations`: collects the µs the breakpoint app's status says it takes off. */
async function measureRound(
  api: ControlPlaneApi,
  events: EventStream,
  path: Path,
  fn: FunctionName,
  us: number,
  round: number,
  calibrations: Set<number>,
): Promise<Sample[]> {
  const bareCalls = await path.app.request<Timed>('timeCalls', { fn, us, calls: CALLS, gapMs: GAP_MS });
  const bare = { outer: median(bareCalls.outer), inner: median(bareCalls.inner) };
  const names = [`bench.duration.${path.key}.${fn}.a${round}.${us}`, `bench.duration.${path.key}.${fn}.b${round}.${us}`];
  const ids: string[] = [];
  for (const name of names) {
    const action: ActionInput = { type: 'duration', file: FILE, function: fn, name, agents: [path.agentId] };
    const id = await api.addAction(action);
    const status = await api.waitForStatus(id, path.agentId, 'installed');
    const calibrated = /(\d+) µs at least as measured/.exec(status.message ?? '');
    if (calibrated !== null) calibrations.add(Number(calibrated[1]));
    ids.push(id);
  }
  events.clear();
  const timed = await path.app.request<Timed>('timeCalls', { fn, us, calls: CALLS, gapMs: GAP_MS });
  const reported = await Promise.all(
    ids.map(async (id) => {
      const values: number[] = [];
      await events.waitFor(
        (e) => {
          if (e.event !== 'output' || e.data.actionId !== id) return false;
          values.push(Number(String(e.data.message).split(' ')[1]) * 1000);
          return values.length === CALLS;
        },
        30_000,
        `${CALLS} live outputs of ${id}`,
      );
      return values;
    }),
  );
  for (const id of ids) {
    await api.deleteAction(id);
    await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
  }
  return timed.outer.map((outer, i) => ({
    path: path.key,
    fn,
    us,
    outer,
    inner: timed.inner[i]!,
    bare,
    reported: [reported[0]![i]!, reported[1]![i]!],
    first: i < WARMUP,
  }));
}

const benchmark: Benchmark = {
  name: 'duration-accuracy',
  title: "Duration accuracy: what a duration action reports vs the app's own performance.now()",
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const cp = await startBenchControlPlane();
    const sink = await startOtlpSink();
    const api = new ControlPlaneApi(cp.url);
    const script = fixture('timed-work.mjs');
    const agent = (agentId: string) => ({ broker: cp.mqttUrl, agentId, otlpEndpoint: sink.url, quotas: 'off' as const });
    const paths: Path[] = [
      {
        key: 'breakpoints',
        agentId: 'bench-duration-breakpoints',
        app: await startFixtureApp({ name: 'breakpoints', script, agent: agent('bench-duration-breakpoints') }),
      },
      {
        key: 'prepared',
        agentId: 'bench-duration-prepared',
        app: await startFixtureApp({
          name: 'prepared',
          script,
          agent: { ...agent('bench-duration-prepared'), env: { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off' } },
        }),
      },
    ];
    const samples: Sample[] = [];
    const calibrations = new Set<number>();
    const events = await api.events();
    try {
      await Promise.all(paths.map((p) => agentConnected(p.app)));
      for (let round = 1; round <= rounds; round++) {
        const order = round % 2 === 0 ? [...paths].reverse() : paths;
        for (const { name: fn } of FUNCTIONS) {
          for (const us of WORK_US) {
            for (const path of order) {
              ctx.progress(`duration-accuracy: round ${round}/${rounds}, ${fn}, ${us} µs, ${path.key}`);
              samples.push(...(await measureRound(api, events, path, fn, us, round, calibrations)));
            }
          }
        }
      }
    } finally {
      events.close();
      await Promise.all(paths.map((p) => p.app.stop()));
      await Promise.all([cp.stop(), sink.close()]);
    }

    const us = (msValue: number): string => `${sig(msValue * 1000)} µs`;
    const rows = paths.flatMap((path) =>
      FUNCTIONS.flatMap(({ name: fn, label }) =>
        WORK_US.map((work) => {
          const all = samples.filter((s) => s.path === path.key && s.fn === fn && s.us === work);
          const warm = all.filter((s) => !s.first);
          const errors = warm.map(error);
          return [
            path.key,
            label,
            `${work} µs`,
            us(median(warm.map((s) => s.bare.outer))),
            us(median(warm.map((s) => s.outer))),
            us(median(warm.map((s) => s.reported[0]))),
            `${us(percentile(errors, 10))} / ${us(median(errors))} / ${us(percentile(errors, 90))}`,
            `${Math.round((100 * warm.filter(within).length) / warm.length)}%`,
            `${Math.round((100 * warm.filter((s) => s.reported[0] < s.inner).length) / warm.length)}%`,
            us(median(all.filter((s) => s.first).map(error))),
            `${all.filter((s) => s.reported[0] === s.reported[1]).length}/${all.length}`,
          ];
        }),
      ),
    );
    return {
      blocks: [
        `${rounds} rounds; in each, for every function and work size, two duration actions on the function in each app (the order of the apps alternating), then ${CALLS} calls ${GAP_MS} ms apart, each timed by the app. ` +
          `App columns and "reported" are medians per call. "error" is, per call, the reported duration minus the app's own time of that call (its time inside, plus the median cost of a call around that with no action); "below the app inside" counts calls reported shorter than the app's time inside the function. ` +
          `The first ${WARMUP} calls after an install are left out and shown apart. Quotas off; live output carries each reported value.` +
          (calibrations.size === 0 ? '' : ` V8's cost the breakpoint app measured and took off: ${[...calibrations].join(', ')} µs.`),
        renderTable(
          [
            'path',
            'function',
            'work',
            'app: call, no action',
            'app: call, actions on',
            'reported',
            'error p10 / median / p90',
            'within max(10%, 20 µs)',
            'below the app inside',
            'error, first calls',
            'both actions equal',
          ],
          rows,
          ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        ),
      ],
    };
  },
};

export default benchmark;
