/**
 * A log line on every request, against its real floor: the same line, with the same body and
 * attributes, written by hand through the OpenTelemetry Logs SDK (LoggerProvider, batch
 * processor, OTLP http/protobuf exporter, the same batch settings) to a sink of its own. What
 * each costs is the app process's CPU time (every thread: the agent's worker exports its
 * records, the SDK exports on the app's thread) per request, at a fixed request rate so that
 * every run lasts as long and time-driven work (timers, the broker link) cancels out, minus the
 * same requests without the line, measured side by side in every round. A run with the line
 * counts only once its sink has received one record per request: a floor that exports nothing
 * (as a misconfigured SDK silently does) stops the benchmark instead of passing for free.
 * LIVEPROBE_BENCH_BASELINE=<another build's agent/dist> adds that build's agent, measured the
 * same way in the same rounds (before/after a change).
 */
import { fromRoot, lineOf, otlpReceiver, type LogRecord, type OtlpReceiver } from '@liveprobe/harness';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { agentConnected, startHttpApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, ratio } from './lib/format.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { ratioAtMost } from './lib/targets.js';

const FILE = 'bench/fixtures/logged-service.mjs';
const AGENT_ID = 'bench-request-logging';
/** Requests per second: well within what the service serves on one loaded core, the same for every run. */
const RATE = 4000;
const CONNECTIONS = 10;
/** After the last request, time for both batch processors (OTEL_BLRP_SCHEDULE_DELAY below) to export; every run waits as long. */
const SETTLE_MS = 1500;
/** How long a run with the line may take beyond that to deliver its records before the benchmark gives up. */
const DELIVERY_TIMEOUT_MS = 30_000;

/** CPU time of every thread of a process so far, in ns (Linux). */
async function processCpuNs(pid: number): Promise<number> {
  let total = 0;
  for (const task of await readdir(`/proc/${pid}/task`)) {
    try {
      total += Number((await readFile(`/proc/${pid}/task/${task}/schedstat`, 'latin1')).split(' ')[0]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return total;
}

/** Resolves once `sink` holds `count` log records; rejects with how many arrived otherwise. */
async function delivered(sink: OtlpReceiver, count: number, what: string): Promise<void> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (sink.logRecords().length < count) {
    if (Date.now() > deadline)
      throw new Error(`${what} exported ${sink.logRecords().length} of the ${count} records expected; the comparison would not be fair`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Variant {
  pid: number;
  url: string;
  sink: OtlpReceiver;
  name: string;
}

/**
 * CPU ns per request of `requests` requests to `path` at RATE, the export of what they logged
 * included; `logged`: each request must deliver one record to the variant's sink.
 */
async function cpuPerRequest(variant: Variant, path: string, requests: number, logged: boolean): Promise<number> {
  const expected = variant.sink.logRecords().length + (logged ? requests : 0);
  const before = await processCpuNs(variant.pid);
  await autocannon({ url: `${variant.url}${path}`, connections: CONNECTIONS, amount: requests, overallRate: RATE });
  const settled = new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await delivered(variant.sink, expected, variant.name);
  await settled;
  const cpu = (await processCpuNs(variant.pid)) - before;
  if (variant.sink.logRecords().length !== expected)
    throw new Error(`${variant.name} exported ${variant.sink.logRecords().length - expected} records more than its requests logged`);
  return cpu / requests;
}

interface ProbedVariant extends Variant {
  agentId: string;
  stop(): Promise<unknown>;
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
    /**
     * Both apps' batch processors: a queue that holds every record of a run (the default of
     * 2,048 would drop records, and with them the work of exporting), sent every 200 ms, in the
     * SDK's default batches of 512.
     */
    const exportEnv = { OTEL_BLRP_MAX_QUEUE_SIZE: String(requests * 2), OTEL_BLRP_SCHEDULE_DELAY: '200' };
    const baseline = process.env.LIVEPROBE_BENCH_BASELINE;
    const cp = await startBenchControlPlane();
    const api = new ControlPlaneApi(cp.url);
    const events = await api.events();
    const handSink = await otlpReceiver();
    const handApp = await startHttpApp({
      name: 'no agent, the line by hand through the OTel SDK',
      script: fromRoot(FILE),
      env: { BENCH_LOGS_SDK: '1', OTEL_EXPORTER_OTLP_ENDPOINT: handSink.url, ...exportEnv },
    });
    const hand: Variant = { pid: handApp.app.pid, url: handApp.url, sink: handSink, name: 'the hand-written line' };
    /** An app with an agent (this build's, or the baseline's `register`), its own sink and agent id. */
    const startProbed = async (agentId: string, name: string, register?: string): Promise<ProbedVariant> => {
      const sink = await otlpReceiver();
      const started = await startHttpApp({
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
      await agentConnected(started.app);
      return { pid: started.app.pid, url: started.url, sink, name, agentId, stop: () => started.app.stop() };
    };
    const probed = [await startProbed(AGENT_ID, 'the log action')];
    if (baseline !== undefined)
      probed.push(await startProbed(`${AGENT_ID}-baseline`, 'the log action, baseline build', join(resolve(baseline), 'register.js')));
    const handAdded: number[] = [];
    const added = probed.map(() => ({ cpu: [] as number[], ratio: [] as number[] }));
    const withAction = async (variant: ProbedVariant, measure: () => Promise<number>): Promise<number> => {
      const id = await api.addAction({
        type: 'log',
        file: FILE,
        line: lineOf(FILE, 'logged-line'),
        template: 'order {id} total {total}',
        agents: [variant.agentId],
        maxHits: 1_000_000,
      });
      await api.waitForStatus(id, variant.agentId, 'installed');
      try {
        return await measure();
      } finally {
        await api.deleteAction(id);
        await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
      }
    };
    const logged = (variant: ProbedVariant) => withAction(variant, () => cpuPerRequest(variant, '/order?id=7', requests, true));
    try {
      // Warm every app up, JIT, connections and the exporters, before the first round.
      await cpuPerRequest(hand, '/order?id=7&hand=1', requests, true);
      for (const variant of probed) await logged(variant);
      const handShape = shape(handSink.logRecords().at(-1));
      for (const variant of probed) {
        const actionShape = shape(variant.sink.logRecords().at(-1));
        if (handShape !== actionShape)
          throw new Error(`the hand-written record (${handShape}) does not carry what ${variant.name}'s does (${actionShape})`);
      }
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`request-logging: round ${round}/${rounds}`);
        // Each run with the line between two without it: what a run costs drifts (GC, the machine's load).
        const plain = (variant: Variant) => cpuPerRequest(variant, '/order?id=7', requests, false);
        const handBefore = await plain(hand);
        const withHand = await cpuPerRequest(hand, '/order?id=7&hand=1', requests, true);
        const byHand = withHand - (handBefore + (await plain(hand))) / 2;
        handAdded.push(byHand);
        for (const [i, variant] of probed.entries()) {
          const before = await plain(variant);
          const withLog = await logged(variant);
          const byAction = withLog - (before + (await plain(variant))) / 2;
          added[i]!.cpu.push(byAction);
          added[i]!.ratio.push(byAction / byHand);
        }
      }
    } finally {
      events.close();
      await Promise.all([handApp.app.stop(), ...probed.map((variant) => variant.stop())]);
      await Promise.all([cp.stop(), handSink.stop(), ...probed.map((variant) => variant.sink.stop())]);
    }
    const line = (values: number[]) => [duration(median(values)), `${duration(min(values))} – ${duration(max(values))}`];
    const overFloor = (values: number[]) =>
      `${ratio(median(values))} (median of per-round ratios; range ${ratio(min(values))} – ${ratio(max(values))})`;
    const rows = [['written by hand through the OpenTelemetry Logs SDK (the floor)', ...line(handAdded)]];
    rows.push(['a log action on the line (prepared site)', ...line(added[0]!.cpu)]);
    if (added[1] !== undefined) rows.push([`the same, baseline build (${baseline})`, ...line(added[1].cpu)]);
    return {
      blocks: [
        `${rounds} rounds of ${requests} requests per variant (autocannon, ${CONNECTIONS} connections, GET /order at a fixed ${RATE} requests/s), after a warm-up. ` +
          "Each figure is the app process's CPU time (all its threads, Linux /proc/<pid>/task/*/schedstat) per request with the line, minus the mean of the same process's per request without it in the runs just before and after (same round); every run ends 1.5 s after its last request, and a run with the line only once its sink has received one record per request. " +
          "The hand-written line uses the OpenTelemetry logs SDK (LoggerProvider, BatchLogRecordProcessor, the OTLP http/protobuf exporter) and carries the same body and attributes as the action's records; the agent, a log action on the same line (prepared site, quotas off, outputs otel and live), exports through its own SDK. " +
          'Each exports to a local sink of its own, with the same batch settings: OTEL_BLRP_MAX_QUEUE_SIZE large enough that no record is dropped, OTEL_BLRP_SCHEDULE_DELAY=200, batches of 512.',
        renderTable(['CPU per request added by the log line', 'median', 'range over rounds'], rows, ['left', 'right', 'right']),
        `Log action over the floor: ${overFloor(added[0]!.ratio)}; the target is ≤ ×1.2.` +
          (added[1] === undefined ? '' : ` The baseline build's: ${overFloor(added[1].ratio)}.`),
      ],
      targets: [
        ratioAtMost(
          'a log line on every request ≤ 1.2× the same line by hand through the OpenTelemetry SDK',
          added[0]!.cpu,
          handAdded,
          1.2,
          duration,
          'the line by hand, CPU per request added',
        ),
      ],
    };
  },
};

export default benchmark;
