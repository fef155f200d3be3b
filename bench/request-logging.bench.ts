/**
 * A log line on every request, against its real floor: the same line written by hand through
 * the OpenTelemetry Logs API (SDK, batch processor, OTLP export to the same sink). What each
 * costs is the app process's CPU time (every thread: the agent's worker exports its records,
 * the SDK exports on the app's thread) per request, over a fixed number of requests, minus the
 * same requests without the line, measured side by side in every round.
 */
import { fromRoot, lineOf, otlpReceiver } from '@liveprobe/harness';
import { readdir, readFile } from 'node:fs/promises';
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
const REQUESTS = 10_000;
const CONNECTIONS = 10;

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

/** Long enough for both batch processors (OTEL_BLRP_SCHEDULE_DELAY below) to export what the requests logged. */
const SETTLE_MS = 1500;

/**
 * Both apps' batch processors: a queue that holds every record of a run (the default of 2,048
 * would drop most of them, and with them the work of exporting), sent every 200 ms.
 */
const EXPORT_ENV = { OTEL_BLRP_MAX_QUEUE_SIZE: String(REQUESTS * 2), OTEL_BLRP_SCHEDULE_DELAY: '200' };

/** CPU ns per request of REQUESTS requests to `path`, the export of what they logged included. */
async function cpuPerRequest(pid: number, url: string, path: string): Promise<number> {
  const before = await processCpuNs(pid);
  await autocannon({ url: `${url}${path}`, connections: CONNECTIONS, amount: REQUESTS });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return ((await processCpuNs(pid)) - before) / REQUESTS;
}

const benchmark: Benchmark = {
  name: 'request-logging',
  title: 'A log line on every request against the same line written by hand through the OpenTelemetry SDK',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 5;
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const events = await api.events();
    const hand = await startHttpApp({
      name: 'no agent, the line by hand through the OTel SDK',
      script: fromRoot(FILE),
      env: { BENCH_LOGS_SDK: '1', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...EXPORT_ENV },
    });
    const probed = await startHttpApp({
      name: 'the agent, the file prepared',
      script: fromRoot(FILE),
      agent: {
        broker: cp.mqttUrl,
        agentId: AGENT_ID,
        otlpEndpoint: sink.url,
        quotas: 'off',
        env: { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off', ...EXPORT_ENV },
      },
    });
    const added = new Map<string, number[]>([
      ['hand', []],
      ['action', []],
      ['ratio', []],
    ]);
    try {
      await agentConnected(probed.app);
      // Warm both up, JIT and connections, before the first round.
      await Promise.all([
        cpuPerRequest(hand.app.pid, hand.url, '/order?id=7&hand=1'),
        cpuPerRequest(probed.app.pid, probed.url, '/order?id=7'),
      ]);
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`request-logging: round ${round}/${rounds}`);
        const plainHand = await cpuPerRequest(hand.app.pid, hand.url, '/order?id=7');
        const withHand = await cpuPerRequest(hand.app.pid, hand.url, '/order?id=7&hand=1');
        const plainProbed = await cpuPerRequest(probed.app.pid, probed.url, '/order?id=7');
        const id = await api.addAction({
          type: 'log',
          file: FILE,
          line: lineOf(FILE, 'logged-line'),
          template: 'order {id} total {total}',
          agents: [AGENT_ID],
          maxHits: 1_000_000,
        });
        await api.waitForStatus(id, AGENT_ID, 'installed');
        const withAction = await cpuPerRequest(probed.app.pid, probed.url, '/order?id=7');
        await api.deleteAction(id);
        await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
        const byHand = withHand - plainHand;
        const byAction = withAction - plainProbed;
        added.get('hand')!.push(byHand);
        added.get('action')!.push(byAction);
        added.get('ratio')!.push(byAction / byHand);
      }
    } finally {
      events.close();
      await Promise.all([hand.app.stop(), probed.app.stop()]);
      await Promise.all([cp.stop(), sink.stop()]);
    }
    const line = (values: number[]) => [duration(median(values)), `${duration(min(values))} – ${duration(max(values))}`];
    return {
      blocks: [
        `${rounds} rounds of ${REQUESTS} requests per variant (autocannon, ${CONNECTIONS} connections, GET /order), after a warm-up. ` +
          "Each figure is the app process's CPU time (all its threads, Linux /proc/<pid>/task/*/schedstat) per request with the line, minus the same process's per request without it, in the same round, each run followed by 1.5 s for the exports to finish. " +
          'The hand-written line uses the OpenTelemetry logs SDK with its batch processor and the OTLP (http/protobuf) exporter; the agent, a log action on the same line (prepared site, quotas off, outputs otel and live), exports through its own SDK. Both export to the same local sink, with OTEL_BLRP_MAX_QUEUE_SIZE large enough that no record is dropped and OTEL_BLRP_SCHEDULE_DELAY=200.',
        renderTable(
          ['CPU per request added by the log line', 'median', 'range over rounds'],
          [
            ['written by hand through the OpenTelemetry Logs API (the floor)', ...line(added.get('hand')!)],
            ['a log action on the line (prepared site)', ...line(added.get('action')!)],
          ],
          ['left', 'right', 'right'],
        ),
        `Log action over the floor: ${ratio(median(added.get('ratio')!))} (median of per-round ratios; range ${ratio(min(added.get('ratio')!))} – ${ratio(max(added.get('ratio')!))}); the target is ≤ ×1.2.`,
      ],
      targets: [
        ratioAtMost(
          'a log line on every request ≤ 1.2× the same line by hand through the OpenTelemetry SDK',
          added.get('action')!,
          added.get('hand')!,
          1.2,
          duration,
          'the line by hand, CPU per request added',
        ),
      ],
    };
  },
};

export default benchmark;
