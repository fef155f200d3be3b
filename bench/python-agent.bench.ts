/**
 * The Python agent (agent-python/): a Flask service without the agent, with the agent idle, with a
 * log action on every request, and writing the same line by hand — driven in process (CPU time
 * per request, which the machine's load barely moves) and over HTTP (requests per second); then
 * what one hit costs the application's thread, the agent's thread and the whole process, against
 * the same log line written by hand (OpenTelemetry Logs API, and stdlib logging). Everything runs
 * against a real control plane; variants are interleaved and ratios taken within a round. The
 * issue's targets (idle ≥ ×0.99 of no agent, a hit ≤ 5 µs) are checked and said.
 */
import { fromRoot, lineOf, otlpReceiver, waitFor } from '@liveprobe/harness';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import type { Benchmark, Report } from './lib/benchmark.js';
import { countInstructions, hasValgrind } from './lib/callgrind.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, range, ratio, sig } from './lib/format.js';
import { PythonChild, pythonVenv, VENV } from './lib/python-child.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const APP = 'bench/python/flask_app.py';
const LOOP = 'bench/python/flask_loop.py';
const HOT = 'bench/python/hot_path.py';
const COUNTED = 'bench/python/flask_callgrind.py';
const COUNTED_REQUESTS = 300;
const QUOTAS_OFF = { LIVEPROBE_QUOTA_BYTES_PER_SECOND: '0', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' };
const CONNECTIONS = 10;
const LOOP_REQUESTS = 2000;
const BATCHES = 25; // × 2,000 calls per measurement (bench/python/hot_path.py)
const IDLE_TARGET = 0.99;
const HIT_TARGET_NS = 5000;
const KEYS = ['none', 'idle', 'log', 'hand'] as const;
const LABELS: Record<(typeof KEYS)[number], string> = {
  none: 'no agent',
  idle: 'agent loaded, no action',
  log: 'log action on every request (`product {sku}: {item}`), quotas off',
  hand: 'no agent; the same line by hand, OpenTelemetry Logs API',
};

/** Per request of flask_loop.py, or per call of hot_path.py. */
interface LoopRun {
  threadNs: number;
  processNs: number;
}
interface HotRun {
  appNs: number;
  wallNs: number;
  agentNs: number;
  processNs: number;
  calls: number;
  hits: number;
}
type Samples = Map<string, number[]>;

const load1 = () => loadavg()[0]!.toFixed(1);
const samples = (keys: readonly string[]): Samples => new Map(keys.map((k) => [k, []]));
/** "median (min – max)". */
const spread = (values: number[], show: (value: number) => string) =>
  `${show(median(values))} (${range(show(min(values)), show(max(values)))})`;
/** Each round's value over the same round's value of `base`. */
const per = (map: Samples, key: string, base: string) => map.get(key)!.map((value, i) => value / map.get(base)![i]!);
/** The rotation of `keys` for a round, so no variant always runs first or last. */
const rotated = <T>(keys: readonly T[], round: number) => keys.map((_, i) => keys[(i + round) % keys.length]!);

async function httpLoad(url: string, seconds: number): Promise<{ perSecond: number; total: number }> {
  const result = await autocannon({ url: `${url}/products/tea`, connections: CONNECTIONS, duration: seconds });
  return { perSecond: result.requests.total / result.duration, total: result.requests.total };
}

/**
 * Instructions per request of the Flask app without the agent and with it idle (liveprobe-run's
 * sitecustomize on PYTHONPATH: valgrind does not follow its exec), both under callgrind at once.
 */
async function instructionCounts(agentEnv: Record<string, string>): Promise<{ none: number; idle: number } | undefined> {
  if (!hasValgrind()) return undefined;
  const boot = spawnSync(
    `${VENV}/bin/python`,
    ['-c', 'import liveprobe_agent, pathlib; print(pathlib.Path(liveprobe_agent.__file__).parent / "boot")'],
    {
      encoding: 'utf8',
    },
  ).stdout.trim();
  const args = [`${VENV}/bin/python`, COUNTED, String(COUNTED_REQUESTS)];
  // One hash seed for both: dict and set layouts (and so instruction counts) depend on it.
  const common = { PYTHONPATH: fromRoot('bench/python'), PYTHONHASHSEED: '0' };
  const [none, idle] = await Promise.all([
    countInstructions(args, common, 'functools_reduce'),
    countInstructions(args, { ...common, ...agentEnv, PYTHONPATH: `${boot}:${common.PYTHONPATH}` }, 'functools_reduce'),
  ]);
  return { none: none / COUNTED_REQUESTS, idle: idle / COUNTED_REQUESTS };
}

const benchmark: Benchmark = {
  name: 'python-agent',
  title: 'Python agent: Flask requests per second, and the cost of a hit against a hand-written log line',
  async run(ctx): Promise<Report> {
    const version = pythonVenv();
    const rounds = ctx.options.rounds ?? 7;
    const seconds = ctx.options.httpSeconds;
    // In-process runs take well under a second each: more of them narrow the idle agent's ratio.
    const loopRounds = rounds * 3;
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const children: PythonChild[] = [];
    const loads = [load1()];
    try {
      const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', ...QUOTAS_OFF };
      const agent = (id: string) => ({ LIVEPROBE_BROKER_URL: cp.mqttUrl, LIVEPROBE_AGENT_ID: id, LIVEPROBE_TAGS: id, ...otel });
      const start = (script: string, key: (typeof KEYS)[number], prefix: string) => {
        const python = [`${VENV}/bin/python`, script];
        const env = { none: otel, idle: agent(`${prefix}-idle`), log: agent(`${prefix}-log`), hand: { ...otel, LOG_BY_HAND: '1' } }[key];
        const child = new PythonChild(
          `${script} ${key}`,
          key === 'idle' || key === 'log' ? [`${VENV}/bin/liveprobe-run`, ...python] : python,
          {
            PORT: '0',
            ...env,
          },
        );
        children.push(child);
        return child;
      };
      const servers = new Map(KEYS.map((key) => [key, start(APP, key, 'bench-py-http')]));
      const loops = new Map(KEYS.map((key) => [key, start(LOOP, key, 'bench-py-loop')]));
      const urls = new Map<string, string>();
      for (const [key, child] of servers) urls.set(key, (await child.line(/listening on (http:\/\/\S+)/))[1]!);
      for (const child of loops.values()) await child.line(/^ready$/);
      const agentIds = ['bench-py-http-idle', 'bench-py-http-log', 'bench-py-loop-idle', 'bench-py-loop-log'];
      await waitFor(
        async () => (await api.agents()).filter((a) => a.online && agentIds.includes(a.agentId)).length === agentIds.length,
        60_000,
        'the Flask agents online',
      );
      const line = lineOf(APP, 'product-lookup');
      const logAgents = ['bench-py-http-log', 'bench-py-loop-log'];
      const logId = await api.addAction({
        type: 'log',
        file: APP,
        line,
        template: 'product {sku}: {item}',
        agents: logAgents,
        maxHits: 1_000_000,
        expiresIn: '1h',
      });
      for (const agentId of logAgents) await api.waitForStatus(logId, agentId, 'installed');

      const inProcess = { thread: samples(KEYS), process: samples(KEYS) };
      for (let round = 0; round < loopRounds; round++) {
        ctx.progress(`python-agent: in-process round ${round + 1}/${loopRounds}`);
        // All four at once: each round's variants share the machine's state (other work, caches,
        // clock), so their CPU times compare within the round even when the load swings.
        const results = await Promise.all(KEYS.map((key) => loops.get(key)!.request<LoopRun>({ requests: LOOP_REQUESTS })));
        KEYS.forEach((key, i) => {
          inProcess.thread.get(key)!.push(results[i]!.threadNs);
          inProcess.process.get(key)!.push(results[i]!.processNs);
        });
        loads.push(load1());
      }

      const http = { rps: samples(KEYS), cpu: samples(KEYS) };
      for (const key of KEYS) await httpLoad(urls.get(key)!, 2); // warm-up
      for (let round = 0; round < rounds; round++) {
        for (const key of rotated(KEYS, round)) {
          ctx.progress(`python-agent: HTTP round ${round + 1}/${rounds}, ${LABELS[key]}`);
          const before = servers.get(key)!.cpuNs();
          const served = await httpLoad(urls.get(key)!, seconds);
          http.rps.get(key)!.push(served.perSecond);
          http.cpu.get(key)!.push((servers.get(key)!.cpuNs() - before) / served.total);
        }
        loads.push(load1());
      }
      for (const child of children.splice(0)) child.stop();

      const hot = new PythonChild('hot path', [`${VENV}/bin/python`, HOT], agent('bench-py-hot'));
      children.push(hot);
      await hot.line(/^ready$/);
      await waitFor(
        async () => (await api.agents()).some((a) => a.online && a.agentId === 'bench-py-hot'),
        30_000,
        'the hot-path agent online',
      );
      const runs = new Map<string, HotRun[]>(['plain', 'probed', 'hand-otel', 'hand-logging'].map((k) => [k, []]));
      const measure = async (variant: string) => runs.get(variant)!.push(await hot.request<HotRun>({ variant, batches: BATCHES }));
      const hotLine = lineOf(HOT, 'hot-line');
      const events = await api.events();
      for (let round = 0; round < rounds; round++) {
        ctx.progress(`python-agent: per-hit round ${round + 1}/${rounds}`);
        for (const variant of rotated(['plain', 'hand-otel', 'hand-logging'], round)) await measure(variant);
        const id = await api.addAction({
          type: 'log',
          file: HOT,
          line: hotLine,
          template: 'order {order_id} total {total}',
          agents: ['bench-py-hot'],
          maxHits: 1_000_000,
        });
        await api.waitForStatus(id, 'bench-py-hot', 'installed');
        await measure('probed');
        await api.deleteAction(id);
        await events.waitFor(isStatus(id, 'removed', 'bench-py-hot'), 30_000, `bench-py-hot to remove ${id}`);
        loads.push(load1());
      }
      events.close();
      children.splice(0).forEach((child) => child.stop());

      ctx.progress('python-agent: instruction counts (valgrind), no agent and idle agent');
      const counted = await instructionCounts({ LIVEPROBE_BROKER_URL: cp.mqttUrl, LIVEPROBE_AGENT_ID: 'bench-py-counted', ...otel });
      return { blocks: report({ counted, version, rounds, loopRounds, seconds, line, inProcess, http, runs, loads }) };
    } finally {
      for (const child of children) child.stop();
      await sink.stop();
      await cp.stop();
    }
  },
};

interface Results {
  /** Instructions per request, without and with an idle agent; undefined without valgrind. */
  counted: { none: number; idle: number } | undefined;
  version: string;
  rounds: number;
  loopRounds: number;
  seconds: number;
  line: number;
  inProcess: { thread: Samples; process: Samples };
  http: { rps: Samples; cpu: Samples };
  runs: Map<string, HotRun[]>;
  loads: string[];
}

const met = (ok: boolean) => (ok ? '**met**' : '**not met**');

function idleVerdict(counted: Results['counted'], share: number, cpu: number, http: number): string {
  const underLoad = `side by side under load, requests per CPU-second ${ratio(cpu)} in process and ${ratio(http)} over HTTP (medians; their ranges below show the noise)`;
  if (counted === undefined)
    return `Target: an idle agent ≥ ${ratio(IDLE_TARGET)} of no agent — valgrind is missing, so only ${underLoad}: ${met(cpu >= IDLE_TARGET)}.`;
  const instructions = counted.none / counted.idle;
  const total = instructions * (1 - share);
  return `Target: an idle agent ≥ ${ratio(IDLE_TARGET)} of no agent — ${ratio(total)}: ${met(total >= IDLE_TARGET)}. Load-independent: instructions per request ${ratio(instructions)} (callgrind, ${COUNTED_REQUESTS} requests each: ${sig(counted.none)} without the agent, ${sig(counted.idle)} with it idle), and the idle agent's own threads add ${sig(share * 100)}% to a request's CPU (an upper bound: they wake by the clock, and these runs share the cores). For comparison, ${underLoad}.`;
}

function report({ counted, version, rounds, loopRounds, seconds, line, inProcess, http, runs, loads }: Results): string[] {
  const loopRows = KEYS.map((key) => [
    LABELS[key],
    spread(inProcess.thread.get(key)!, duration),
    spread(
      inProcess.process.get(key)!.map((ns, i) => ns - inProcess.thread.get(key)![i]!),
      duration,
    ),
    spread(inProcess.process.get(key)!, duration),
    key === 'none' ? '—' : spread(per(inProcess.process, 'none', key), ratio),
  ]);
  const httpRows = KEYS.map((key) => [
    LABELS[key],
    spread(http.rps.get(key)!, sig),
    key === 'none' ? '—' : spread(per(http.rps, key, 'none'), ratio),
    spread(http.cpu.get(key)!, duration),
    key === 'none' ? '—' : spread(per(http.cpu, 'none', key), ratio),
  ]);
  const idleCpu = median(per(inProcess.process, 'none', 'idle'));
  const idleHttp = median(per(http.cpu, 'none', 'idle'));
  // The idle agent's own threads, as a share of the request's CPU (in process).
  const idleShare = median(inProcess.process.get('idle')!.map((ns, i) => (ns - inProcess.thread.get('idle')![i]!) / ns));

  const plain = runs.get('plain')!;
  // Per hit: over the bare function measured in the same round.
  const over = (key: string, field: keyof HotRun) =>
    spread(
      runs.get(key)!.map((run, i) => run[field] - plain[i]![field]),
      duration,
    );
  const probed = runs.get('probed')!;
  const appHit = median(probed.map((run, i) => run.appNs - plain[i]!.appNs));
  const lost = probed.reduce((sum, run) => sum + run.calls - run.hits, 0);
  const hitRows = [
    [
      'the function, no action',
      spread(
        plain.map((r) => r.appNs),
        duration,
      ),
      '—',
      '—',
      spread(
        plain.map((r) => r.wallNs),
        duration,
      ),
    ],
    [
      'log action on its line (`order {order_id} total {total}`), quotas off',
      over('probed', 'appNs'),
      over('probed', 'agentNs'),
      over('probed', 'processNs'),
      over('probed', 'wallNs'),
    ],
    [
      'the same line by hand, OpenTelemetry Logs API (batching, OTLP export)',
      over('hand-otel', 'appNs'),
      '—',
      over('hand-otel', 'processNs'),
      over('hand-otel', 'wallNs'),
    ],
    [
      'the same line by hand, `logging` to a stream handler',
      over('hand-logging', 'appNs'),
      '—',
      over('hand-logging', 'processNs'),
      over('hand-logging', 'wallNs'),
    ],
  ];
  return [
    `${version}; agent mechanism: ${version.includes('3.11') ? 'patched code objects' : 'sys.monitoring local events'}. Load average (1 min) over the run: ${loads.join(', ')}.`,
    idleVerdict(counted, idleShare, idleCpu, idleHttp),
    `Target: a hit ≤ ${duration(HIT_TARGET_NS)} on the application's thread — median ${duration(appHit)}: ${met(appHit <= HIT_TARGET_NS)}.`,
    `In process: the Flask app's WSGI interface called ${LOOP_REQUESTS.toLocaleString('en')} times in a row per run (werkzeug's test client, GET /products/tea, no sockets), one process per variant, the four running at the same time in each of ${loopRounds} rounds, so that a round's variants share the machine's state (other work, caches, clock). "CPU per request" is the application thread's (time.thread_time_ns), the other threads' (the agent's, the MQTT client's, the OpenTelemetry exporter's) and the whole process's (every thread, after the agent's queue and the exporters are flushed). "× no agent" is the median (and range) of the per-round ratios, as throughput: no agent's CPU time over the variant's. Elapsed time is not reported here: the four share the cores.`,
    renderTable(
      [
        'variant',
        'app thread CPU per request',
        'other threads CPU per request',
        'process CPU per request',
        'requests per CPU-second, × no agent',
      ],
      loopRows,
    ),
    `Over HTTP: autocannon (library) on loopback, ${CONNECTIONS} connections, GET /products/tea served by waitress (4 threads), ${rounds} rounds × ${seconds} s per variant after a 2 s warm-up each, in rotating order. "Server CPU per request" is the server process's CPU time (all threads, /proc schedstat) over the run divided by the requests served. The log action is on \`${APP}:${line}\`, exported over OTLP to a sink; the hand-written line goes to the same sink.`,
    renderTable(['variant', 'requests/s', '× no agent', 'server CPU per request', 'requests per CPU-second, × no agent'], httpRows),
    `Per call of a small function, ${rounds} rounds of ${BATCHES} batches × 2,000 calls; between batches the agent's queue drains, so no hit is dropped (${lost === 0 ? 'every call was a hit' : `${lost} calls were not hits`}). Each figure is over the bare function's in the same round. "Application thread" is that thread's CPU time (time.thread_time_ns): what a hit costs the code that hit it. "Agent thread" is the agent's own thread (formatting, redaction, the OpenTelemetry SDK's \`emit\`, live output); "whole process" adds every thread after a flush (the SDK's batch exporter encoding and sending OTLP). For the hand-written lines the SDK's or logging's work runs on the application's thread, the export on the SDK's thread. Wall is elapsed time per call, the agent's thread interleaving under the GIL.`,
    renderTable(['variant', 'application thread', 'agent thread', 'whole process', 'wall'], hitRows),
  ];
}

export default benchmark;
