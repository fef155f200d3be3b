/**
 * The agent's overhead on an HTTP service: requests per second of the example shop
 * (examples/shop/dist/server.js, GET /products/tea) without the agent, with the agent idle,
 * and with one logpoint on the request path, under default quotas and with quotas off.
 * autocannon drives each variant in turn on loopback; the order rotates every round, and each
 * ratio is taken against the no-agent run of the same round.
 */
import { fromRoot, lineOf, otlpReceiver, type Child } from '@liveprobe/harness';
import { defined } from '@liveprobe/protocol/util';
import autocannon from 'autocannon';
import { agentConnected, startHttpApp, type AgentSettings } from './lib/apps.js';
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
  agent?: Pick<AgentSettings, 'agentId' | 'quotas'>;
  logpoint: boolean;
}

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
];

interface Run {
  requests: number;
  rps: number;
  p99Ms: number;
  failures: number;
}

async function load(url: string, seconds: number): Promise<Run> {
  const result = await autocannon({ url: `${url}${PATH}`, connections: CONNECTIONS, duration: seconds });
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p99Ms: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
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
    const hits = new Map<string, { count: number; pauses: number }>();
    const warmupRequests = new Map<string, number>();
    const events = await api.events();
    try {
      const urls = new Map<string, string>();
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
      for (const variant of VARIANTS) warmupRequests.set(variant.key, (await load(urls.get(variant.key)!, WARMUP_SECONDS)).requests);
      for (let round = 0; round < rounds; round++) {
        ctx.progress(`http-overhead: round ${round + 1}/${rounds}`);
        // Rotate the order, so no variant always runs first or right after a heavy one.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
        const results = new Map<string, Run>();
        for (const variant of order) results.set(variant.key, await load(urls.get(variant.key)!, seconds));
        for (const variant of VARIANTS) {
          const run = results.get(variant.key)!;
          runs.get(variant.key)!.push(run);
          ratios.get(variant.key)!.push(run.rps / results.get('none')!.rps);
        }
      }
      // Dropped-output counts are reported once a second: let the last ones arrive.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      for (const [key, id] of actionIds) {
        const mine = events.events().filter((e) => e.data.actionId === id);
        const output = mine.filter((e) => e.event === 'output').length;
        const dropped = mine.filter((e) => e.event === 'dropped').reduce((sum, e) => sum + Number(e.data.count ?? 0), 0);
        const pauses = mine.filter((e) => e.event === 'action_status' && e.data.state === 'paused').length;
        hits.set(key, { count: output + dropped, pauses });
      }
    } finally {
      events.close();
      await Promise.all(apps.map((app) => app.stop()));
      await Promise.all([cp.stop(), sink.stop()]);
    }

    const requestsTo = (key: string) => (warmupRequests.get(key) ?? 0) + runs.get(key)!.reduce((sum, r) => sum + r.requests, 0);
    const table = renderTable(
      ['shop', 'req/s (median)', 'range', '× no agent', 'p99 latency', 'requests logged', 'quota pauses'],
      VARIANTS.map((variant) => {
        const rps = runs.get(variant.key)!.map((r) => r.rps);
        const h = hits.get(variant.key);
        return [
          variant.label,
          sig(median(rps)),
          range(sig(min(rps)), sig(max(rps))),
          variant.key === 'none' ? '×1' : ratio(median(ratios.get(variant.key)!)),
          latency(median(runs.get(variant.key)!.map((r) => r.p99Ms))),
          h === undefined ? '—' : `${sig((100 * h.count) / requestsTo(variant.key))}%`,
          h === undefined ? '—' : String(h.pauses),
        ];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    const failures = [...runs.values()].flat().reduce((sum, r) => sum + r.failures, 0);
    return {
      blocks: [
        `autocannon (library) on loopback, ${CONNECTIONS} connections, GET ${PATH} (the logpoint is on \`${SOURCE}:${lineOf(SOURCE, 'product-lookup')}\`, template \`product {sku}\`), ` +
          `${rounds} rounds × ${seconds} s per variant after a ${WARMUP_SECONDS} s warm-up each; the order rotates every round; "× no agent" is the median of the per-round ratios. ` +
          `Client, shop and agent share the machine's cores. "Requests logged" is the share of all requests sent to that shop (warm-up included) whose logpoint hit the agent captured (live output plus the output it counted as dropped); quota pauses are "paused due to high call rate" or CPU-budget pauses, each backing off longer, up to 60 s.` +
          (failures > 0 ? ` **${failures} requests failed or timed out.**` : ''),
        table,
      ],
    };
  },
};

export default benchmark;
