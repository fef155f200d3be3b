/**
 * The agent's overhead on an HTTP service: requests per second of the example shop
 * (examples/shop/dist/server.js, GET /products/tea) without the agent, with the agent idle,
 * and with one logpoint on the request path, under default quotas and with quotas off.
 * autocannon drives each variant in turn on loopback; the order rotates every round, and each
 * ratio is taken against the no-agent run of the same round. LIVEPROBE_BENCH_BASELINE=<another
 * build's agent/dist> adds that build's agent with the same logpoint under default quotas.
 */
import { readFile } from 'node:fs/promises';
import { fromRoot, lineOf, otlpReceiver, type Child } from '@liveprobe/harness';
import { defined } from '@liveprobe/protocol/util';
import autocannon from 'autocannon';
import { agentConnected, startHttpApp, type AgentSettings } from './lib/apps.js';
import { baselineRegister } from './lib/baseline-agent.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { range, ratio, sig } from './lib/format.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const SERVER = 'examples/shop/dist/server.js';
const SOURCE = 'examples/shop/src/server.ts';
const PATH = '/products/tea';
const CONNECTIONS = 10;
const WARMUP_SECONDS = 2;

interface Variant {
  key: string;
  label: string;
  agent?: Pick<AgentSettings, 'agentId' | 'quotas' | 'register'>;
  logpoint: boolean;
}

const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;

const VARIANTS: Variant[] = [
  { key: 'none', label: 'no agent', logpoint: false },
  { key: 'idle', label: 'agent loaded, no action', agent: { agentId: 'bench-shop-idle', quotas: 'default' }, logpoint: false },
  {
    key: 'quota',
    label: 'one logpoint on the request path, default quotas (200 hits/s, 50 ms CPU/s)',
    agent: { agentId: 'bench-shop-quota', quotas: 'default' },
    logpoint: true,
  },
  {
    key: 'free',
    label: 'one logpoint on the request path, quotas off',
    agent: { agentId: 'bench-shop-free', quotas: 'off' },
    logpoint: true,
  },
  ...(BASELINE === undefined
    ? []
    : [
        {
          key: 'baseline',
          label: `the same logpoint, default quotas, baseline build (${BASELINE})`,
          agent: { agentId: 'bench-shop-baseline', quotas: 'default' as const, register: baselineRegister(BASELINE) },
          logpoint: true,
        },
      ]),
];

interface Run {
  requests: number;
  rps: number;
  p99Ms: number;
  failures: number;
  /** The shop's main thread's CPU time per request, in µs: what a saturated one-thread service's throughput follows, whatever else the machine runs. */
  mainCpuUs: number;
}

/** CPU time of a process's main thread so far, in ns (Linux: its task has the process's id). */
async function mainThreadCpuNs(pid: number): Promise<number> {
  return Number((await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'latin1')).split(' ')[0]);
}

async function load(url: string, seconds: number, pid: number): Promise<Run> {
  const before = await mainThreadCpuNs(pid);
  const result = await autocannon({ url: `${url}${PATH}`, connections: CONNECTIONS, duration: seconds });
  const cpuNs = (await mainThreadCpuNs(pid)) - before;
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    mainCpuUs: cpuNs / 1000 / Math.max(1, result.requests.total),
  };
}

/** autocannon records whole milliseconds on loopback: 0 means under one. */
const latency = (msValue: number) => (msValue === 0 ? '< 1 ms' : `${sig(msValue)} ms`);

const benchmark: Benchmark = {
  name: 'http-overhead',
  title: 'HTTP service: requests per second with and without the agent',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const seconds = ctx.options.httpSeconds;
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const apps: Child[] = [];
    const runs = new Map<string, Run[]>(VARIANTS.map((v) => [v.key, []]));
    const ratios = new Map<string, number[]>(VARIANTS.map((v) => [v.key, []]));
    const addedCpu = new Map<string, number[]>(VARIANTS.map((v) => [v.key, []]));
    const hits = new Map<string, { count: number; sampled: number; estimated: number; pauses: number }>();
    const warmupRequests = new Map<string, number>();
    /** The last sampling status of each logpoint, as the agent reported it. */
    const statuses: string[] = [];
    const events = await api.events();
    try {
      const urls = new Map<string, string>();
      const pids = new Map<string, number>();
      for (const variant of VARIANTS) {
        const agent = variant.agent === undefined ? undefined : { ...variant.agent, broker: cp.mqttUrl, otlpEndpoint: sink.url };
        const started = await startHttpApp({
          name: `shop (${variant.label})`,
          script: fromRoot(SERVER),
          ...defined({ agent }),
        });
        apps.push(started.app);
        if (agent !== undefined) await agentConnected(started.app);
        urls.set(variant.key, started.url);
        pids.set(variant.key, started.app.pid);
      }
      const actionIds = new Map<string, string>();
      for (const variant of VARIANTS.filter((v) => v.logpoint)) {
        const agentId = variant.agent!.agentId;
        const id = await api.addAction({
          type: 'log',
          file: SOURCE,
          line: lineOf(SOURCE, 'product-lookup'),
          template: 'product {sku}',
          agents: [agentId],
          maxHits: 1_000_000,
        });
        await api.waitForStatus(id, agentId, 'installed');
        actionIds.set(variant.key, id);
      }
      for (const variant of VARIANTS)
        warmupRequests.set(variant.key, (await load(urls.get(variant.key)!, WARMUP_SECONDS, pids.get(variant.key)!)).requests);
      for (let round = 0; round < rounds; round++) {
        ctx.progress(`http-overhead: round ${round + 1}/${rounds}`);
        // Rotate the order, so no variant always runs first or right after a heavy one.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        const results = new Map<string, Run>();
        for (const variant of order) results.set(variant.key, await load(urls.get(variant.key)!, seconds, pids.get(variant.key)!));
        for (const variant of VARIANTS) {
          const run = results.get(variant.key)!;
          runs.get(variant.key)!.push(run);
          ratios.get(variant.key)!.push(run.rps / results.get('none')!.rps);
          // The main thread's CPU the variant added per second of load: comparable to the agent's CPU budget (ms per second).
          addedCpu.get(variant.key)!.push(((run.mainCpuUs - results.get('none')!.mainCpuUs) * run.rps) / 1000);
        }
      }
      // Dropped-output counts are reported once a second: let the last ones arrive.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      for (const [key, id] of actionIds) {
        const mine = events.events().filter((e) => e.data.actionId === id);
        const output = mine.filter((e) => e.event === 'output').length;
        const dropped = (reason: (text: string) => boolean) =>
          mine.filter((e) => e.event === 'dropped' && reason(String(e.data.reason))).reduce((sum, e) => sum + Number(e.data.count ?? 0), 0);
        // Captured lines over the live stream's own limit are counted as dropped there (they still went to OpenTelemetry).
        const overLive = dropped((r) => !r.startsWith('sampled:'));
        const estimated = dropped((r) => r.startsWith("sampled: the action's breakpoint was out of V8"));
        const sampled = dropped((r) => r.startsWith('sampled:')) - estimated;
        const pauses = mine.filter((e) => e.event === 'action_status' && e.data.state === 'paused').length;
        hits.set(key, { count: output + overLive, sampled, estimated, pauses });
        const sampling = mine.filter((e) => e.event === 'action_status' && /sampling:/.test(String(e.data.message))).at(-1);
        if (sampling !== undefined) statuses.push(`${VARIANTS.find((v) => v.key === key)!.label}: \`${String(sampling.data.message)}\``);
      }
    } finally {
      events.close();
      await Promise.all(apps.map((app) => app.stop()));
      await Promise.all([cp.stop(), sink.stop()]);
    }

    const requestsTo = (key: string) => (warmupRequests.get(key) ?? 0) + runs.get(key)!.reduce((sum, r) => sum + r.requests, 0);
    const loadSeconds = WARMUP_SECONDS + rounds * seconds;
    const table = renderTable(
      [
        'shop',
        'req/s (median)',
        'range',
        '× no agent',
        'p99 latency',
        'main-thread CPU per request',
        'main-thread CPU added, ms per s',
        'requests logged',
        'lines/s',
        'sampled: counted / estimated',
        'quota pauses',
      ],
      VARIANTS.map((variant) => {
        const rps = runs.get(variant.key)!.map((r) => r.rps);
        const h = hits.get(variant.key);
        return [
          variant.label,
          sig(median(rps)),
          range(sig(min(rps)), sig(max(rps))),
          variant.key === 'none' ? '×1' : ratio(median(ratios.get(variant.key)!)),
          latency(median(runs.get(variant.key)!.map((r) => r.p99Ms))),
          `${sig(median(runs.get(variant.key)!.map((r) => r.mainCpuUs)))} µs`,
          variant.key === 'none'
            ? '—'
            : `${sig(median(addedCpu.get(variant.key)!))} (${range(sig(min(addedCpu.get(variant.key)!)), sig(max(addedCpu.get(variant.key)!)))})`,
          h === undefined ? '—' : `${sig((100 * h.count) / requestsTo(variant.key))}%`,
          h === undefined ? '—' : sig(h.count / loadSeconds),
          h === undefined ? '—' : `${h.sampled} / ${h.estimated}`,
          h === undefined ? '—' : String(h.pauses),
        ];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    const failures = [...runs.values()].flat().reduce((sum, r) => sum + r.failures, 0);
    return {
      blocks: [
        `autocannon (library) on loopback, ${CONNECTIONS} connections, GET ${PATH} (the logpoint is on \`${SOURCE}:${lineOf(SOURCE, 'product-lookup')}\`, template \`product {sku}\`), ` +
          `${rounds} rounds × ${seconds} s per variant after a ${WARMUP_SECONDS} s warm-up each; the order rotates every round; "× no agent" is the median of the per-round ratios. ` +
          `Client, shop and agent share the machine's cores, so req/s moves with whatever else the machine runs; "main-thread CPU per request" is the shop's main thread's CPU time (Linux schedstat) over each run's requests, and "main-thread CPU added" is what that adds up to per second of load against the no-agent run of the same round ((CPU per request − no agent's) × req/s; median, and range over rounds): the figure the agent's CPU budget (ms per second) stands for, and the share of a saturated one-thread service's throughput it would take, however busy the machine. "Requests logged" is the share of all requests sent to that shop (warm-up included) whose logpoint hit the agent captured (live output plus the lines over the live stream's limit, which it counts as dropped there); "lines/s" is those lines over the ${loadSeconds} s of load. Over its quota the breakpoint samples (docs/actions.md): "sampled" are the hits it counted but did not capture (its window was spent) and the hits it estimated it missed while out of V8 (from the line's rate while in, which the breakpoint slows: low here); quota pauses (a back-off) are what breakpoints did before they sampled.` +
          (failures > 0 ? ` **${failures} requests failed or timed out.**` : ''),
        table,
        ...(statuses.length === 0 ? [] : [`The logpoint's last status: ${statuses.join('; ')}.`]),
      ],
    };
  },
};

export default benchmark;
