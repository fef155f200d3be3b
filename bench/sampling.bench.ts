/**
 * Steady sampling (issue 21): a log action on a hot line, driven at a steady call rate, with the
 * agent's default quotas. On a prepared site the action stays on and samples to its rate; on a
 * breakpoint it samples in windows, out of V8 in between. Side by side in one run: records
 * exported per second of hit time (min / median / max over the run's whole seconds), hits
 * counted as sampled, hits a breakpoint estimated it missed while out, pauses, and whether
 * exported + sampled adds up to the calls made.
 */
import { fromRoot, lineOf, otlpReceiver, type Child, type OtlpReceiver, type SseStream } from '@liveprobe/harness';
import { defined } from '@liveprobe/protocol/util';
import type { ActionInput } from '@liveprobe/protocol';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, BenchContext, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { sig } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { type TargetRow, verdictAtMost, verdictWithin } from './lib/targets.js';

const HOT = 'bench/fixtures/hot-path.mjs';
/** What the exporter and the control plane need to report the last records and counts. */
const SETTLE_MS = 3000;

interface Case {
  label: string;
  app: Child;
  agentId: string;
  callsPerSecond: number;
  ratePerSecond: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function runCase(c: Case, api: ControlPlaneApi, events: SseStream, receiver: OtlpReceiver, seconds: number) {
  const action: ActionInput = {
    type: 'log',
    file: HOT,
    line: lineOf(HOT, 'hot'),
    template: 'order {order.id} total {total}',
    agents: [c.agentId],
    maxHits: 1_000_000,
    ...defined({ ratePerSecond: c.ratePerSecond }),
  };
  const id = await api.addAction(action);
  await api.waitForStatus(id, c.agentId, 'installed');
  const before = (await c.app.ipc.request<{ driven: number }>('stopDrive')).driven;
  const started = Date.now();
  await c.app.ipc.request('drive', { names: ['plain'], perSecond: c.callsPerSecond });
  await sleep(seconds * 1000);
  const driven = (await c.app.ipc.request<{ driven: number }>('stopDrive')).driven - before;
  const stopped = Date.now();
  await sleep(SETTLE_MS);
  await api.deleteAction(id);
  await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
  const mine = events.events().filter((e) => e.data.actionId === id);
  const dropped = (reason: string) =>
    mine
      .filter((e) => e.event === 'dropped' && String(e.data.reason).startsWith(reason))
      .reduce((sum, e) => sum + Number(e.data.count ?? 0), 0);
  const estimated = dropped("sampled: the action's breakpoint was out of V8");
  const sampled = dropped('sampled:') - estimated;
  const pauses = mine.filter((e) => e.event === 'action_status' && e.data.state === 'paused').length;
  const sampling = mine.filter((e) => e.event === 'action_status' && /sampling:/.test(String(e.data.message))).at(-1)?.data.message;
  // Whole seconds inside the run only: the first and last are partial.
  const records = receiver.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === id);
  const perSecond = new Map<number, number>();
  for (const { timeMs } of records) perSecond.set(Math.floor(timeMs / 1000), (perSecond.get(Math.floor(timeMs / 1000)) ?? 0) + 1);
  const seconds_ = [];
  for (let s = Math.floor(started / 1000) + 1; s < Math.floor(stopped / 1000); s++) seconds_.push(perSecond.get(s) ?? 0);
  const exported = records.length;
  return { driven, exported, sampled, estimated, pauses, sampling, perSecond: seconds_, elapsedS: (stopped - started) / 1000 };
}

/**
 * Issue 21 on a prepared site over its rate: a steady stream at the configured rate (judged on
 * the run's records per second, between 80% of the rate and the rate plus its one-second burst),
 * and every hit not exported counted.
 */
function sampleTargets(c: Case, rate: number, r: Awaited<ReturnType<typeof runCase>>): TargetRow[] {
  const overRun = r.exported / r.elapsedS;
  const bound = rate + rate / r.elapsedS;
  const uncounted = r.driven - r.exported - r.sampled;
  const floor = `${c.label}: ${r.driven.toLocaleString('en-US')} calls driven`;
  return [
    {
      target: `steady sampling: output at the configured rate (${rate}/s), hits beyond it counted, not captured`,
      measured: `${sig(overRun)} records/s over the run (each second, min / median / max: ${min(r.perSecond)} / ${median(r.perSecond)} / ${max(r.perSecond)})`,
      floor,
      met: verdictWithin([overRun], rate * 0.8, bound),
    },
    {
      target: `steady sampling: every hit beyond the rate (${rate}/s) is counted, none lost`,
      measured: `${uncounted.toLocaleString('en-US')} uncounted (${r.exported.toLocaleString('en-US')} exported, ${r.sampled.toLocaleString('en-US')} counted as sampled)`,
      floor,
      met: verdictAtMost([Math.abs(uncounted)], 0),
    },
  ];
}

/** Issue 21 on a breakpoint: it samples at most to the rate, with no pause and no back-off. */
function breakpointTarget(c: Case, rate: number, r: Awaited<ReturnType<typeof runCase>>): TargetRow {
  const overRun = r.exported / r.elapsedS;
  return {
    target: `steady sampling on a breakpoint: at most the configured rate (${rate}/s), no pause`,
    measured: `${sig(overRun)} records/s over the run (each second, min / median / max: ${min(r.perSecond)} / ${median(r.perSecond)} / ${max(r.perSecond)}), ${r.pauses} pauses`,
    floor: `${c.label}: ${r.driven.toLocaleString('en-US')} calls driven`,
    met: r.pauses > 0 ? 'no' : verdictAtMost([overRun], rate + rate / r.elapsedS),
  };
}

const benchmark: Benchmark = {
  name: 'sampling',
  title: 'Steady sampling: a log on a hot line, prepared site vs breakpoint, default quotas',
  async run(ctx: BenchContext): Promise<Report> {
    const seconds = Math.max(10, ctx.options.httpSeconds * 2);
    const cp = await startBenchControlPlane();
    const receiver = await otlpReceiver();
    const api = new ControlPlaneApi(cp.url);
    const script = fixture('probe-target.mjs');
    const agent = (agentId: string, env: Record<string, string> = {}) => ({
      broker: cp.mqttUrl,
      agentId,
      otlpEndpoint: receiver.url,
      quotas: 'default' as const,
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_METRICS_EXPORTER: 'none', ...env },
    });
    const prepared = await startFixtureApp({
      name: 'prepared',
      script,
      agent: agent('bench-sampling-prepared', { LIVEPROBE_PREPARE: fromRoot(HOT), LIVEPROBE_PREPARE_CACHE: 'off' }),
    });
    const breakpoint = await startFixtureApp({ name: 'breakpoint', script, agent: agent('bench-sampling-breakpoint') });
    const events = await api.events();
    const rows: string[][] = [];
    const statuses: string[] = [];
    const targets: TargetRow[] = [];
    try {
      await Promise.all([agentConnected(prepared), agentConnected(breakpoint)]);
      const cases: Case[] = [
        {
          label: 'prepared site, ratePerSecond 50',
          app: prepared,
          agentId: 'bench-sampling-prepared',
          callsPerSecond: 20_000,
          ratePerSecond: 50,
        },
        {
          label: "prepared site, the agent's hit quota (200/s)",
          app: prepared,
          agentId: 'bench-sampling-prepared',
          callsPerSecond: 20_000,
          ratePerSecond: undefined,
        },
        {
          label: 'breakpoint, ratePerSecond 50',
          app: breakpoint,
          agentId: 'bench-sampling-breakpoint',
          callsPerSecond: 2000,
          ratePerSecond: 50,
        },
        {
          label: "breakpoint, the agent's hit quota (200/s)",
          app: breakpoint,
          agentId: 'bench-sampling-breakpoint',
          callsPerSecond: 20_000,
          ratePerSecond: undefined,
        },
      ];
      for (const c of cases) {
        ctx.progress(`sampling: ${c.label}, ${c.callsPerSecond} calls/s for ${seconds} s`);
        const r = await runCase(c, api, events, receiver, seconds);
        const rate = c.ratePerSecond ?? 200;
        if (r.sampling !== undefined) statuses.push(`${c.label}: \`${String(r.sampling)}\``);
        rows.push([
          c.label,
          String(c.callsPerSecond),
          String(r.driven),
          String(r.exported),
          `${min(r.perSecond)} / ${median(r.perSecond)} / ${max(r.perSecond)}`,
          `${sig(r.exported / r.elapsedS)} (≤ ${sig(rate + rate / r.elapsedS)})`,
          String(r.sampled),
          String(r.estimated),
          String(r.driven - r.exported - r.sampled - r.estimated),
          String(r.pauses),
        ]);
        if (c.app === prepared) targets.push(...sampleTargets(c, rate, r));
        else targets.push(breakpointTarget(c, rate, r));
        events.clear();
      }
    } finally {
      events.close();
      await Promise.all([prepared.stop(), breakpoint.stop()]);
      await Promise.all([cp.stop(), receiver.stop()]);
    }
    return {
      blocks: [
        renderTable(
          [
            'case',
            'calls/s driven',
            'calls',
            'records exported',
            'records per second, min / median / max',
            'records/s over the run (bound: rate + burst)',
            'counted as sampled',
            'estimated sampled (breakpoint out of V8)',
            'neither',
            'pauses',
          ],
          rows,
          ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
        ),
        `Each case drives the probed function at a steady rate for ${seconds} s on the app's main thread (bench/fixtures/ipc-driver.mjs \`drive\`); records are counted at an OTLP/JSON sink by their hit time. The per-second columns cover the run's whole seconds. A breakpoint estimates the hits it missed while out of V8 from the line's rate while it was in: too low where the breakpoint slows a hot line, too high where hits come in bursts (this driver's 10 ms ticks); "neither" is what the estimate fell short by (negative: over).`,
        ...(statuses.length === 0 ? [] : [`The last sampling status of each breakpoint: ${statuses.join('; ')}.`]),
      ],
      targets,
    };
  },
};

export default benchmark;
