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
 */
import { fromRoot, lineOf, otlpReceiver, type LogRecord, type OtlpReceiver } from '@liveprobe/harness';
import { readdir, readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { agentConnected, startHttpApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, ratio } from './lib/format.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

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
    const cp = await startBenchControlPlane();
    const handSink = await otlpReceiver();
    const actionSink = await otlpReceiver();
    const api = new ControlPlaneApi(cp.url);
    const events = await api.events();
    const handApp = await startHttpApp({
      name: 'no agent, the line by hand through the OTel SDK',
      script: fromRoot(FILE),
      env: { BENCH_LOGS_SDK: '1', OTEL_EXPORTER_OTLP_ENDPOINT: handSink.url, ...exportEnv },
    });
    const probedApp = await startHttpApp({
      name: 'the agent, the file prepared',
      script: fromRoot(FILE),
      agent: {
        broker: cp.mqttUrl,
        agentId: AGENT_ID,
        otlpEndpoint: actionSink.url,
        quotas: 'off',
        env: { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off', ...exportEnv },
      },
    });
    const hand: Variant = { pid: handApp.app.pid, url: handApp.url, sink: handSink, name: 'the hand-written line' };
    const probed: Variant = { pid: probedApp.app.pid, url: probedApp.url, sink: actionSink, name: 'the log action' };
    const added = new Map<string, number[]>([
      ['hand', []],
      ['action', []],
      ['ratio', []],
    ]);
    const logAction = () =>
      api.addAction({
        type: 'log',
        file: FILE,
        line: lineOf(FILE, 'logged-line'),
        template: 'order {id} total {total}',
        agents: [AGENT_ID],
        maxHits: 1_000_000,
      });
    const withAction = async (measure: () => Promise<number>): Promise<number> => {
      const id = await logAction();
      await api.waitForStatus(id, AGENT_ID, 'installed');
      try {
        return await measure();
      } finally {
        await api.deleteAction(id);
        await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
      }
    };
    try {
      await agentConnected(probedApp.app);
      // Warm both up, JIT, connections and the exporters, before the first round.
      await cpuPerRequest(hand, '/order?id=7&hand=1', requests, true);
      await withAction(() => cpuPerRequest(probed, '/order?id=7', requests, true));
      const handShape = shape(handSink.logRecords().at(-1));
      const actionShape = shape(actionSink.logRecords().at(-1));
      if (handShape !== actionShape)
        throw new Error(`the hand-written record (${handShape}) does not carry what the action's does (${actionShape})`);
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`request-logging: round ${round}/${rounds}`);
        // Each run with the line between two without it: what a run costs drifts (GC, the machine's load).
        const plain = (variant: Variant) => cpuPerRequest(variant, '/order?id=7', requests, false);
        const handBefore = await plain(hand);
        const withHand = await cpuPerRequest(hand, '/order?id=7&hand=1', requests, true);
        const handAfter = await plain(hand);
        const probedBefore = await plain(probed);
        const withLog = await withAction(() => cpuPerRequest(probed, '/order?id=7', requests, true));
        const probedAfter = await plain(probed);
        const byHand = withHand - (handBefore + handAfter) / 2;
        const byAction = withLog - (probedBefore + probedAfter) / 2;
        added.get('hand')!.push(byHand);
        added.get('action')!.push(byAction);
        added.get('ratio')!.push(byAction / byHand);
      }
    } finally {
      events.close();
      await Promise.all([handApp.app.stop(), probedApp.app.stop()]);
      await Promise.all([cp.stop(), handSink.stop(), actionSink.stop()]);
    }
    const line = (values: number[]) => [duration(median(values)), `${duration(min(values))} – ${duration(max(values))}`];
    return {
      blocks: [
        `${rounds} rounds of ${requests} requests per variant (autocannon, ${CONNECTIONS} connections, GET /order at a fixed ${RATE} requests/s), after a warm-up. ` +
          "Each figure is the app process's CPU time (all its threads, Linux /proc/<pid>/task/*/schedstat) per request with the line, minus the mean of the same process's per request without it in the runs just before and after (same round); every run ends 1.5 s after its last request, and a run with the line only once its sink has received one record per request. " +
          "The hand-written line uses the OpenTelemetry logs SDK (LoggerProvider, BatchLogRecordProcessor, the OTLP http/protobuf exporter) and carries the same body and attributes as the action's records; the agent, a log action on the same line (prepared site, quotas off, outputs otel and live), exports through its own SDK. " +
          'Each exports to a local sink of its own, with the same batch settings: OTEL_BLRP_MAX_QUEUE_SIZE large enough that no record is dropped, OTEL_BLRP_SCHEDULE_DELAY=200, batches of 512.',
        renderTable(
          ['CPU per request added by the log line', 'median', 'range over rounds'],
          [
            ['written by hand through the OpenTelemetry Logs SDK (the floor)', ...line(added.get('hand')!)],
            ['a log action on the line (prepared site)', ...line(added.get('action')!)],
          ],
          ['left', 'right', 'right'],
        ),
        `Log action over the floor: ${ratio(median(added.get('ratio')!))} (median of per-round ratios; range ${ratio(min(added.get('ratio')!))} – ${ratio(max(added.get('ratio')!))}); the target is ≤ ×1.2.`,
      ],
    };
  },
};

export default benchmark;
