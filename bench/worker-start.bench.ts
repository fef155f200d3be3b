/**
 * What starting the agent's worker at the first action (the default) costs against starting it
 * with the app (LIVEPROBE_WORKER_START=startup), side by side with the same apps without the
 * agent: RSS and the main thread's CPU while an app idles (the broker link the main thread keeps
 * then: status, heartbeats every 30 s, MQTT keep-alive), and the first install: from POST
 * /actions to the `installed` status, and the longest event-loop delay it caused. Every round
 * starts the apps afresh, in a rotating order.
 */
import { otlpReceiver, type Child } from '@liveprobe/harness';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { mib, ms, sig } from './lib/format.js';
import { procFile } from './lib/running-app.js';
import { fixture } from './lib/paths.js';
import { hundredFunctions, SCRIPT_NAME } from './lib/hundred-functions.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const APPS = [
  { key: 'bare', label: 'no agent', env: undefined },
  { key: 'first-action', label: 'agent, worker at the first action (default)', env: {} },
  { key: 'startup', label: 'agent, worker with the app (LIVEPROBE_WORKER_START=startup)', env: { LIVEPROBE_WORKER_START: 'startup' } },
] as const;
type AppKey = (typeof APPS)[number]['key'];

interface Sample {
  rss: number;
  /** The main thread's CPU time over the idle window, ns. */
  idleCpuNs: number;
  installMs?: number;
  installDelayMs?: number;
}

/** CPU time the process's main thread (its tid is the pid) has run, ns, from the kernel's scheduler. */
function mainThreadCpuNs(app: Child): number {
  return Number(procFile(app, `task/${app.pid}/schedstat`, 'it idled').split(' ')[0]);
}

function rssOf(app: Child): number {
  return Number(/VmRSS:\s+(\d+)/.exec(procFile(app, 'status', 'it idled'))![1]) * 1024;
}

const benchmark: Benchmark = {
  name: 'worker-start',
  title: "The agent's worker at the first action vs with the app: idle memory and main-thread CPU, first install",
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const load = loadAverage();
    // Two heartbeats and an MQTT keep-alive at least, whatever --soak asks; at most two minutes a
    // round, so the docs profile's 10-minute soak does not idle every round for ten minutes.
    const idleSeconds = Math.min(120, Math.max(65, ctx.options.soakSeconds));
    const dir = await mkdtemp(join(tmpdir(), 'liveprobe-bench-worker-start-'));
    const { source, lines } = hundredFunctions();
    const script = join(dir, SCRIPT_NAME);
    await writeFile(script, source);
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const samples = new Map<AppKey, Sample[]>(APPS.map(({ key }) => [key, []]));
    try {
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`worker-start: round ${round}/${rounds}, ${idleSeconds} s idle`);
        const order = APPS.map((_, k) => APPS[(k + round - 1) % APPS.length]!);
        const apps = new Map<AppKey, Child>();
        const quiet = new Map<AppKey, Child>();
        try {
          for (const { key, label, env } of order) {
            for (const [kind, list, file] of [
              ['driven', apps, script],
              ['quiet', quiet, fixture('idle-app.mjs')],
            ] as const) {
              const agentId = `bench-worker-start-${kind}-${key}-${round}`;
              const app = await startFixtureApp({
                name: `${label} (${kind})`,
                script: file,
                ...(env === undefined
                  ? {}
                  : { agent: { broker: cp.mqttUrl, agentId, otlpEndpoint: sink.url, quotas: 'default' as const, env } }),
              });
              list.set(key, app);
              if (env !== undefined) await agentConnected(app);
            }
          }
          const before = new Map([...quiet].map(([key, app]) => [key, mainThreadCpuNs(app)]));
          // An app that ends while idling fails the round at once, with how it ended and its output.
          const idle = new AbortController();
          await Promise.race([
            new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000)),
            ...[...apps.values(), ...quiet.values()].map((app) =>
              app.exited.then(() => idle.signal.aborted || procFile(app, 'status', 'it idled')),
            ),
          ]).finally(() => idle.abort());
          for (const [key, app] of quiet) {
            samples.get(key)!.push({ rss: rssOf(app), idleCpuNs: mainThreadCpuNs(app) - before.get(key)! });
          }
          for (const { key } of order) {
            if (key === 'bare') continue;
            const app = apps.get(key)!;
            const agentId = `bench-worker-start-driven-${key}-${round}`;
            await app.ipc.request('resetDelay', {});
            const sent = performance.now();
            const id = await api.addAction({ type: 'log', file: SCRIPT_NAME, line: lines[0]!, template: 'f0 {total}', agents: [agentId] });
            await api.waitForStatus(id, agentId, 'installed', 60_000).catch((err: unknown) => {
              throw new Error(`${String(err)}; the app's output:\n${app.output().slice(-3000)}`);
            });
            const installMs = performance.now() - sent;
            const { maxMs } = await app.ipc.request<{ maxMs: number }>('delay', {});
            const sample = samples.get(key)!.at(-1)!;
            sample.installMs = installMs;
            sample.installDelayMs = maxMs;
            await api.deleteAction(id);
          }
        } finally {
          await Promise.all([...apps.values(), ...quiet.values()].map((app) => app.stop()));
        }
      }
    } finally {
      await Promise.all([cp.stop(), sink.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
    const bare = samples.get('bare')!;
    const spread = (values: number[], show: (v: number) => string) =>
      `${show(median(values))} (${show(min(values))} – ${show(max(values))})`;
    const table = renderTable(
      [
        'app',
        'RSS after idling',
        'over no agent (per round)',
        `main-thread CPU over ${idleSeconds} s idle`,
        'over no agent, per minute',
        'first install: POST → installed',
        'its longest event-loop delay',
      ],
      APPS.map(({ key, label }) => {
        const list = samples.get(key)!;
        const overRss = list.map((s, k) => s.rss - bare[k]!.rss);
        const overCpu = list.map((s, k) => ((s.idleCpuNs - bare[k]!.idleCpuNs) / idleSeconds) * 60);
        const installs = list.flatMap((s) => (s.installMs === undefined ? [] : [s.installMs]));
        const delays = list.flatMap((s) => (s.installDelayMs === undefined ? [] : [s.installDelayMs]));
        return [
          label,
          spread(
            list.map((s) => s.rss),
            (v) => `${mib(v)}`,
          ),
          key === 'bare' ? '' : spread(overRss, (v) => `${v < 0 ? '−' : '+'}${mib(Math.abs(v))}`),
          spread(
            list.map((s) => s.idleCpuNs),
            (v) => ms(v / 1e6),
          ),
          key === 'bare' ? '' : spread(overCpu, (v) => `${v < 0 ? '−' : '+'}${ms(Math.abs(v) / 1e6)}`),
          installs.length === 0 ? '' : spread(installs, ms),
          delays.length === 0 ? '' : spread(delays, ms),
        ];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    );
    return {
      blocks: [
        `${rounds} rounds; in each, two apps per row, started one after the other in a rotating order and left idle ${idleSeconds} s side by side: an app that only ticks a timer once a second (fixtures/idle-app.mjs), whose RSS and main-thread CPU are read, ` +
          `and ${SCRIPT_NAME} (100 small functions, with the IPC driver's 1 ms event-loop monitor), which then gets one log action, one agent after the other. ` +
          "Main-thread CPU is the kernel's count for the app's main thread (/proc/<pid>/task/<pid>/schedstat), which the agent's worker does not add to. " +
          `Figures are medians (min – max) over the rounds; "over no agent" is taken within each round. Load average at the start: ${sig(load)}.`,
        table,
      ],
    };
  },
};

function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'latin1').split(' ')[0]);
}

export default benchmark;
