/**
 * A log line on every request, against its real floor: the same line, with the same body and
 * attributes, written by hand through the OpenTelemetry Logs SDK (LoggerProvider, batch
 * processor, OTLP http/protobuf exporter, the same batch settings) to a sink of its own. What
 * each costs is the app process's CPU time (every thread: the agent's worker exports its
 * records, the SDK exports on the app's thread) per request, at a fixed request rate.
 *
 * Every variant runs as twins (lib/twin-runs.ts), and all of them serve at the same time: in each
 * segment one twin serves requests that pass the line and the other the same requests that do
 * not (GET /plain); the twins swap in Thue–Morse order. Measured one run after the other, the
 * machine's other work moved the cost of a whole run by more than the line costs; side by side,
 * it moves both twins and both variants alike. What is left moves one segment's figure by about
 * half the line's cost, independently from segment to segment: a round is 16 segments, so that
 * its figure is steady enough to be judged against the target on its own. A segment counts only
 * once each sink has received one record per logged request: a floor that exports nothing (as a
 * misconfigured SDK silently does) stops the benchmark instead of passing for free. LIVEPROBE_BENCH_BASELINE=<another build's agent/dist>
 * adds that build's agent as a third pair of twins (before/after a change).
 */
import { fromRoot, lineOf, otlpReceiver, type LogRecord, type OtlpReceiver } from '@liveprobe/harness';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { agentConnected, startHttpApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { processCpuNs } from './lib/cpu-time.js';
import { duration, ratio } from './lib/format.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { ratioAtMost } from './lib/targets.js';
import { launchOrder, twinDifference, workerOf, type TwinSegment } from './lib/twin-runs.js';

const FILE = 'bench/fixtures/logged-service.mjs';
const AGENT_ID = 'bench-request-logging';
/**
 * Requests per second to each app (four, or six with a baseline, served at once). The agent's
 * cost per record falls as the rate rises (its worker wakes per batch of hits, every 100 ms at
 * most), so the rate is the one earlier runs used, not lowered to ease the load.
 */
const RATE = 4000;
const CONNECTIONS = 4;
/**
 * Segments per round: each twin of a pair logs in half of them. One segment's figure moves by half
 * the line's cost, independently of the next: the same build over itself moved by ±25% (one
 * standard deviation) from round to round in rounds of 4, by ±10% in rounds of 16 (docs/BENCHMARKS.md).
 */
const SEGMENTS = 16;
/**
 * Segments served before the first round, measured by none: in earlier runs an agent's first
 * round, after a warm-up of one short segment in each role, was often its dearest (most likely
 * the worker's code, run per batch and per export, reaches V8's optimizing tier later).
 */
const WARM_UP_SEGMENTS = 8;
/** After the last request, time for the batch processors (OTEL_BLRP_SCHEDULE_DELAY below) to export; every segment waits as long. */
const SETTLE_MS = 1000;
/** How long a segment may take beyond that to deliver its records before the benchmark gives up. */
const DELIVERY_TIMEOUT_MS = 30_000;
/** The most hits an action may have (the protocol's limit); the action must log every request of the run. */
const MAX_HITS = 1_000_000;

/** Resolves once `sink` holds `count` log records; rejects with how many arrived otherwise. */
async function delivered(sink: OtlpReceiver, count: number, what: string): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (sink.logRecords().length < count) {
    if (Date.now() > deadline)
      throw new Error(`${what} exported ${sink.logRecords().length} of the ${count} records expected; the comparison would not be fair`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One process of a pair of twins. */
interface Twin {
  pid: number;
  url: string;
  sink: OtlpReceiver;
  name: string;
  /** What the process printed so far (to say why it ended, if it did). */
  output(): string;
  stop(): Promise<unknown>;
}

/** CPU time of `twin`'s process so far; an app that ended during the run says so, with its last output. */
function cpuOf(twin: Twin): number {
  try {
    return processCpuNs(twin.pid);
  } catch (error) {
    const last = twin.output().trimEnd().split('\n').slice(-10).join('\n');
    throw new Error(`${twin.name} (pid ${twin.pid}) is no longer running (${(error as Error).message}); its last output:\n${last}`);
  }
}

/** A variant (the line by hand, the log action, a baseline build's action) as two identical processes. */
interface Pair {
  label: string;
  /** The query of a request that passes the line. */
  loggedPath: string;
  twins: [Twin, Twin];
  /** CPU ns per request the line added, one figure per round. */
  added: number[];
}

/**
 * One segment: every pair's working twin serves `requests` requests that log and its other twin
 * as many that do not, all apps at once, started in `order` (indexes into `pairs`), each pair's
 * twins in the same order whatever their role; returns each app's CPU ns per request, in `pairs`
 * order, once every logged record reached its sink and the same settle time passed for all.
 */
async function segment(
  pairs: readonly Pair[],
  worker: 0 | 1,
  requests: number,
  order: readonly number[],
): Promise<Array<{ withWork: number; without: number }>> {
  const apps = order.flatMap((p) =>
    ([0, 1] as const).map((k) => {
      const logged = k === worker;
      return { pair: p, logged, twin: pairs[p]!.twins[k], path: logged ? pairs[p]!.loggedPath : '/plain?id=7' };
    }),
  );
  const expected = apps.map(({ twin, logged }) => twin.sink.logRecords().length + (logged ? requests : 0));
  const before = apps.map(({ twin }) => cpuOf(twin));
  await Promise.all(
    apps.map(({ twin, path }) => autocannon({ url: `${twin.url}${path}`, connections: CONNECTIONS, amount: requests, overallRate: RATE })),
  );
  const settled = new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await Promise.all(apps.map(({ twin }, k) => delivered(twin.sink, expected[k]!, twin.name)));
  await settled;
  const after = apps.map(({ twin }) => cpuOf(twin));
  apps.forEach(({ twin }, k) => {
    if (twin.sink.logRecords().length !== expected[k])
      throw new Error(`${twin.name} exported ${twin.sink.logRecords().length - expected[k]!} records more than its requests logged`);
  });
  const perRequest = (pair: number, logged: boolean) => {
    const k = apps.findIndex((app) => app.pair === pair && app.logged === logged);
    return (after[k]! - before[k]!) / requests;
  };
  return pairs.map((_, p) => ({ withWork: perRequest(p, true), without: perRequest(p, false) }));
}

/** What a record carries, to check the floor exports what the action does. */
function shape(record: LogRecord | undefined): string {
  if (record === undefined) return 'no record';
  return JSON.stringify({ body: typeof record.body, severity: record.severityText, attributes: Object.keys(record.attributes).sort() });
}

const benchmark: Benchmark = {
  name: 'request-logging',
  title: 'A log line on every request against the same line written by hand through the OpenTelemetry SDK',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 5;
    const requests = RATE * ctx.options.httpSeconds;
    // Half of the warm-up's segments and of every round's log on each twin.
    const hitsPerTwin = (requests * (WARM_UP_SEGMENTS + rounds * SEGMENTS)) / 2;
    if (hitsPerTwin > MAX_HITS)
      throw new Error(
        `request-logging: ${rounds} rounds of ${ctx.options.httpSeconds} s segments log ${hitsPerTwin} requests per app, beyond an action's ${MAX_HITS} hits: lower --rounds or --duration`,
      );
    /**
     * Every app's batch processor: a queue that holds every record of a segment (the default of
     * 2,048 would drop records, and with them the work of exporting), sent every 200 ms, in the
     * SDK's default batches of 512.
     */
    const exportEnv = { OTEL_BLRP_MAX_QUEUE_SIZE: String(requests * 2), OTEL_BLRP_SCHEDULE_DELAY: '200' };
    const baseline = process.env.LIVEPROBE_BENCH_BASELINE;
    const cp = await startBenchControlPlane();
    const api = new ControlPlaneApi(cp.url);
    const twins: Twin[] = [];
    const startHand = async (k: number): Promise<Twin> => {
      const sink = await otlpReceiver();
      const name = `the line by hand, twin ${k + 1}`;
      const { app, url } = await startHttpApp({
        name,
        script: fromRoot(FILE),
        env: { BENCH_LOGS_SDK: '1', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...exportEnv },
      });
      return { pid: app.pid, url, sink, name, output: () => app.output(), stop: () => app.stop() };
    };
    /** An app with an agent (this build's, or the baseline's `register`), its own sink and agent id. */
    const startProbed = async (agentId: string, name: string, register?: string): Promise<Twin> => {
      const sink = await otlpReceiver();
      const { app, url } = await startHttpApp({
        name,
        script: fromRoot(FILE),
        agent: {
          broker: cp.mqttUrl,
          agentId,
          otlpEndpoint: sink.url,
          quotas: 'off',
          ...(register === undefined ? {} : { register }),
          env: { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off', ...exportEnv },
        },
      });
      await agentConnected(app);
      return { pid: app.pid, url, sink, name, output: () => app.output(), stop: () => app.stop() };
    };
    const agentIds: string[] = [];
    /** Agents numbered 1, 2, 3…: ids of one length, as every record carries its agent's id. */
    const probedPair = async (label: string, register?: string): Promise<Pair> => {
      const pair: Twin[] = [];
      for (const k of [0, 1]) {
        const agentId = `${AGENT_ID}-${agentIds.length + 1}`;
        agentIds.push(agentId);
        pair.push(await startProbed(agentId, `${label}, twin ${k + 1}`, register));
        twins.push(pair[k]!);
      }
      return { label, loggedPath: '/order?id=7', twins: [pair[0]!, pair[1]!], added: [] };
    };
    let actionId: string | undefined;
    const pairs: Pair[] = [];
    try {
      const handTwins: Twin[] = [];
      for (const k of [0, 1]) {
        handTwins.push(await startHand(k));
        twins.push(handTwins[k]!);
      }
      pairs.push(
        { label: 'the line by hand', loggedPath: '/order?id=7&hand=1', twins: [handTwins[0]!, handTwins[1]!], added: [] },
        await probedPair('the log action'),
      );
      if (baseline !== undefined) pairs.push(await probedPair('the log action, baseline build', join(resolve(baseline), 'register.js')));
      // One action on every agent twin, installed for the whole run: a twin not logging serves /plain.
      actionId = await api.addAction({
        type: 'log',
        file: FILE,
        line: lineOf(FILE, 'logged-line'),
        template: 'order {id} total {total}',
        agents: agentIds,
        maxHits: MAX_HITS,
      });
      for (const agentId of agentIds) await api.waitForStatus(actionId, agentId, 'installed');
      // Warm every app up (JIT, connections, the exporters, heaps grown to their working size) on both roles.
      for (let index = 0; index < WARM_UP_SEGMENTS; index++)
        await segment(pairs, workerOf(index), requests, launchOrder(pairs.length, index));
      const handShape = shape(pairs[0]!.twins[0].sink.logRecords().at(-1));
      for (const twin of twins) {
        const twinShape = shape(twin.sink.logRecords().at(-1));
        if (twinShape !== handShape)
          throw new Error(`the hand-written record (${handShape}) does not carry what ${twin.name}'s does (${twinShape})`);
      }
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`request-logging: round ${round}/${rounds}`);
        const segments = pairs.map(() => [] as TwinSegment[]);
        for (let s = 0; s < SEGMENTS; s++) {
          const index = WARM_UP_SEGMENTS + (round - 1) * SEGMENTS + s;
          const worker = workerOf(index);
          const measured = await segment(pairs, worker, requests, launchOrder(pairs.length, index));
          measured.forEach((value, p) => segments[p]!.push({ worker, ...value }));
        }
        pairs.forEach((pair, p) => pair.added.push(twinDifference(segments[p]!)));
      }
    } finally {
      if (actionId !== undefined) await api.deleteAction(actionId).catch(() => {});
      await Promise.all(twins.map((twin) => twin.stop()));
      await Promise.all([cp.stop(), ...twins.map((twin) => twin.sink.stop())]);
    }
    const [hand, action, base] = pairs as [Pair, Pair, Pair | undefined];
    const line = (values: number[]) => [duration(median(values)), `${duration(min(values))} – ${duration(max(values))}`];
    const ratios = (pair: Pair) => pair.added.map((value, r) => value / hand.added[r]!);
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    // Each round's ratio in order, and the whole run's (every round's CPU added, summed, over the
    // floor's): which rounds the spread comes from, and a figure a single noisy round moves less.
    const overFloor = (pair: Pair) => {
      const values = ratios(pair);
      return (
        `${ratio(median(values))} (median of per-round ratios; range ${ratio(min(values))} – ${ratio(max(values))}; ` +
        `round by round ${values.map(ratio).join(', ')}; over the whole run ${ratio(sum(pair.added) / sum(hand.added))})`
      );
    };
    // With a copy of this build as the baseline, what one round's ratio moves by when nothing differs.
    const overBaseline = (values: number[]) =>
      `${values.map(ratio).join(', ')} (median ${ratio(median(values))}, range ${ratio(min(values))} – ${ratio(max(values))})`;
    const rows = [
      ['written by hand through the OpenTelemetry Logs SDK (the floor)', ...line(hand.added)],
      ['a log action on the line (prepared site)', ...line(action.added)],
      ...(base === undefined ? [] : [[`the same, baseline build (${baseline})`, ...line(base.added)]]),
    ];
    return {
      blocks: [
        `${rounds} rounds after a warm-up of ${WARM_UP_SEGMENTS} segments. A round is ${SEGMENTS} segments, ${SEGMENTS * requests} requests to each app: each variant runs as two identical processes (twins), and all ${2 * pairs.length} apps are served at once; in each segment, one twin of each variant gets ${requests} requests that pass the line (GET /order) and the other ${requests} that do not (GET /plain, the same answer) (autocannon, ${CONNECTIONS} connections per app, a fixed ${RATE} requests/s to each, the variants started in an order that rotates each segment). ` +
          "The twins swap roles in Thue–Morse order (0 1 1 0 1 0 0 1, continued across rounds), so each twin logs in half of a round's segments and a cost one twin gains at a steady pace cancels. " +
          "Cost is the app process's CPU time (all its threads, Linux /proc/<pid>/task/*/schedstat) per request; a round's figure is the twin logging minus its twin not logging, averaged over the segments with each twin in each role (every segment counts), so the machine's other work (which reaches every app at once) and whatever makes one process cost more than its twin both cancel. " +
          `Every segment ends ${SETTLE_MS / 1000} s after its last request, and only once each sink has received one record per logged request. ` +
          "The hand-written line uses the OpenTelemetry logs SDK (LoggerProvider, BatchLogRecordProcessor, the OTLP http/protobuf exporter) and carries the same body and attributes as the action's records; the agent, one log action on the same line of both its twins (prepared site, quotas off, outputs otel and live, installed for the whole run), exports through its own SDK. " +
          'Each app exports to a local sink of its own, with the same batch settings: OTEL_BLRP_MAX_QUEUE_SIZE large enough that no record is dropped, OTEL_BLRP_SCHEDULE_DELAY=200, batches of 512.',
        renderTable(['CPU per request added by the log line', 'median', 'range over rounds'], rows, ['left', 'right', 'right']),
        `Round by round: ${pairs.map((pair) => `${pair.label} ${pair.added.map(duration).join(', ')}`).join('; ')}.`,
        `Log action over the floor: ${overFloor(action)}; the target is ≤ ×1.2.` +
          (base === undefined
            ? ''
            : ` The baseline build's: ${overFloor(base)}. This build over the baseline, round by round: ${overBaseline(action.added.map((value, r) => value / base.added[r]!))}.`),
      ],
      targets: [
        ratioAtMost(
          'a log line on every request ≤ 1.2× the same line by hand through the OpenTelemetry SDK',
          action.added,
          hand.added,
          1.2,
          duration,
          'the line by hand, CPU per request added',
        ),
      ],
    };
  },
};

export default benchmark;
