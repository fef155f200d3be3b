/**
 * What each part of the agent costs in RSS over an app without it: the worker thread alone,
 * each dependency loaded in it (as Node loads the modules, and bundled as the agent ships
 * them), an inspector session, the app thread's side, then the whole agent idle and with 100
 * installed log actions, and the steps between an idle worker and 100 actions (the session
 * opened, one action waiting for its file, one placed), which say what the first action costs
 * and what each further one does. Every variant is the same app (bench/lib/hundred-functions.ts), all
 * started side by side each round; figures are per-round differences from the app without
 * the agent. Beside RSS, each process's private memory (USS) and proportional share (PSS): the
 * node binary's pages are shared by every Node process on a box, so a fleet pays them once.
 * The hit rows' app also serves 100 IPC requests that call its lines, which the bare app does not:
 * a row without the agent whose lines are called the same way says what that work costs the app.
 * LIVEPROBE_BENCH_BASELINE=<another build's agent/dist> adds that build's agent, idle, with one
 * action and with 100 (hit and not), in the same rounds (before/after a change).
 */
import { fromRoot, otlpReceiver, type Child } from '@liveprobe/harness';
import { build } from 'esbuild';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { sig } from './lib/format.js';
import { addLogActions, FUNCTIONS, hundredFunctions, SCRIPT_NAME } from './lib/hundred-functions.js';
import { residentMemoryOf, type ResidentMemory } from './lib/rss.js';
import { median } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { atMost, spread, type TargetRow } from './lib/targets.js';

/** The agent's own cap (agent/src/main/worker-thread.ts), so a part's worker is sized like the agent's. */
const YOUNG_GENERATION_MB = 4;
/**
 * How long every app idles before RSS is read: V8 shrinks an idle isolate's heap within seconds
 * of start-up (its memory reducer), and what stays is what a fleet of idle agents pays.
 */
const SETTLE_MS = 20_000;

/** The dependencies the worker loads, as the agent imports them. */
const WORKER_PARTS: Array<{ label: string; source: string }> = [
  { label: 'mqtt', source: "import * as m from 'mqtt'; globalThis.part = m;" },
  {
    label: 'zod and the protocol schemas (desired state)',
    source: "import { DesiredState } from '@liveprobe/protocol'; globalThis.part = DesiredState;",
  },
  {
    label: 'OpenTelemetry SDK and OTLP exporters (logs, traces, metrics)',
    source: [
      "import * as logs from '@opentelemetry/sdk-logs';",
      "import * as traces from '@opentelemetry/sdk-trace-base';",
      "import * as metrics from '@opentelemetry/sdk-metrics';",
      "import * as resources from '@opentelemetry/resources';",
      // The agent's log exporter: OpenTelemetry's exporter base with the agent's own serializer.
      "import * as exporterBase from '@opentelemetry/otlp-exporter-base/node-http';",
      "import * as transformer from '@opentelemetry/otlp-transformer';",
      "import * as traceExporter from '@opentelemetry/exporter-trace-otlp-proto';",
      "import * as metricExporter from '@opentelemetry/exporter-metrics-otlp-proto';",
      'globalThis.part = [logs, traces, metrics, resources, exporterBase, transformer, traceExporter, metricExporter];',
    ].join('\n'),
  },
  {
    label: 'source analysis (acorn, trace-mapping)',
    source: "import * as a from 'acorn'; import * as t from '@jridgewell/trace-mapping'; globalThis.part = [a, t];",
  },
];

interface Variant {
  label: string;
  env?: Record<string, string>;
  /** No agent, but its lines are called as the hit rows call them: what the calls cost the app itself. */
  calledWithoutAgent?: true;
  /** The agent's register module to --import, its id, and its own settings. */
  agent?: {
    register: string;
    agentId: string;
    actions: boolean;
    hit?: false;
    /** Fewer actions than one per function (none hit), or on a file that is not loaded (then waiting, not placed). */
    few?: { count: number; file?: string };
    env?: Record<string, string>;
  };
}

interface Memory {
  heapUsed: number;
}

/** The app thread's heap after `gc()`, then the process's RSS, PSS and USS from /proc. */
async function memoryOf(app: Child): Promise<Memory & ResidentMemory> {
  const { heapUsed } = await app.ipc.request<Memory>('memory', { gc: true });
  const resident = await residentMemoryOf(app.pid);
  if (resident === undefined) throw new Error(`${app.name}: no /proc/${app.pid}/smaps_rollup (memory-parts needs Linux 4.14 or later)`);
  return { heapUsed, ...resident };
}
/**
 * glibc's malloc settings a user can set in the app's environment (read before node starts, so
 * out of the agent's reach): a fixed trim threshold, one arena for all threads (docs/architecture.md §8).
 */
const MALLOC_KNOBS = { MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '1' };
/**
 * glibc's mmap threshold held at its start value: without it, freeing one large block (Node's
 * loader reads each of the agent's bundle files into one) raises it for the whole process, and
 * the trim threshold with it, so every arena keeps up to twice that block's size of freed memory.
 */
const MMAP_KNOB = { MALLOC_MMAP_THRESHOLD_: '131072' };
const knobWords = (knobs: Record<string, string>) =>
  Object.entries(knobs)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
/** The agent as it was before its worker waited for the first action. */
const WORKER_AT_STARTUP = { LIVEPROBE_WORKER_START: 'startup' };
/** A file the app never loads: an action on it waits (pending), so the session opens and no breakpoint is set. */
const WAITING_FILE = 'never-loaded.mjs';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const part = (value: object): Record<string, string> => ({
  LIVEPROBE_BENCH_PART: JSON.stringify({ youngGenerationMb: YOUNG_GENERATION_MB, ...value }),
});

/** Each part in its own file, once as the modules Node loads and once bundled as agent/scripts/bundle-agent.mjs bundles the worker. */
async function partFiles(dir: string): Promise<Array<{ label: string; modules: string; bundled: string }>> {
  const agentDir = fromRoot('agent');
  // Under the agent's node_modules (ignored by git), so bare specifiers resolve to the agent's dependencies.
  const scratch = join(agentDir, 'node_modules', '.cache', 'liveprobe-bench');
  await mkdir(scratch, { recursive: true });
  const files = [];
  for (const [k, { label, source }] of WORKER_PARTS.entries()) {
    const modules = join(scratch, `memory-part-${process.pid}-${k}.mjs`);
    await writeFile(modules, `${source}\n`);
    const bundled = join(dir, `part-${k}.mjs`);
    await build({
      stdin: { contents: source, resolveDir: agentDir, loader: 'js' },
      outfile: bundled,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minifyWhitespace: true,
      minifySyntax: true,
      mainFields: ['module', 'main'],
      logLevel: 'error',
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    });
    files.push({ label, modules: pathToFileURL(modules).href, bundled: pathToFileURL(bundled).href });
  }
  return files;
}

function variants(files: Awaited<ReturnType<typeof partFiles>>, baseline: string | undefined): Variant[] {
  // What `--import @liveprobe/agent/register` loads (package.json's exports): the app thread's bundle.
  const register = fromRoot('agent/dist/bundle/register.js');
  const list: Variant[] = [
    {
      label: `app without the agent, its ${FUNCTIONS} lines called as in the rows "installed and hit" (IPC requests, the loops)`,
      calledWithoutAgent: true,
    },
    { label: 'worker thread, empty', env: part({ thread: 'worker', imports: [] }) },
    ...files.flatMap(({ label, modules, bundled }) => [
      { label: `worker + ${label}, as modules`, env: part({ thread: 'worker', imports: [modules] }) },
      { label: `worker + ${label}, bundled`, env: part({ thread: 'worker', imports: [bundled] }) },
    ]),
    { label: 'worker + an inspector session (Debugger enabled)', env: part({ thread: 'worker', imports: [], inspector: true }) },
    {
      label: "app thread: the agent's main-thread code (its bundle), no worker",
      env: part({ thread: 'main', imports: [pathToFileURL(fromRoot('agent/dist/bundle/index.js')).href] }),
    },
    { label: 'agent, idle', agent: { register, agentId: 'bench-parts-idle', actions: false } },
    {
      label: 'agent, idle, worker started with the app (LIVEPROBE_WORKER_START=startup)',
      agent: { register, agentId: 'bench-parts-idle-worker', actions: false, env: WORKER_AT_STARTUP },
    },
    {
      label: 'agent, worker and inspector session opened with the app (LIVEPROBE_INSPECTOR_SESSION=startup), no action',
      agent: { register, agentId: 'bench-parts-session', actions: false, env: { LIVEPROBE_INSPECTOR_SESSION: 'startup' } },
    },
    {
      label: `agent, 1 log action on a file not loaded (waiting: the session open, no breakpoint)`,
      agent: { register, agentId: 'bench-parts-waiting', actions: true, few: { count: 1, file: WAITING_FILE } },
    },
    {
      label: 'agent, 1 log action installed, none hit',
      agent: { register, agentId: 'bench-parts-one', actions: true, few: { count: 1 } },
    },
    {
      label: `agent, ${FUNCTIONS} log actions installed, none hit`,
      agent: { register, agentId: 'bench-parts-installed', actions: true, hit: false },
    },
    { label: `agent, ${FUNCTIONS} log actions installed and hit`, agent: { register, agentId: 'bench-parts-actions', actions: true } },
    {
      label: `agent, ${FUNCTIONS} log actions installed and hit, worker started with the app`,
      agent: { register, agentId: 'bench-parts-actions-worker', actions: true, env: WORKER_AT_STARTUP },
    },
    {
      label: `agent, ${FUNCTIONS} log actions installed and hit, live output only (no OpenTelemetry SDK)`,
      agent: { register, agentId: 'bench-parts-live', actions: true, env: { LIVEPROBE_LOG_OUTPUTS: 'live' } },
    },
    {
      label: `agent, ${FUNCTIONS} log actions installed and hit, glibc told to give freed memory back (${knobWords(MALLOC_KNOBS)})`,
      env: MALLOC_KNOBS,
      agent: { register, agentId: 'bench-parts-malloc', actions: true },
    },
    {
      label: `agent, ${FUNCTIONS} log actions installed and hit, glibc's mmap threshold kept at its start value (${knobWords(MMAP_KNOB)})`,
      env: MMAP_KNOB,
      agent: { register, agentId: 'bench-parts-mmap', actions: true },
    },
  ];
  if (baseline !== undefined) {
    const other = join(resolve(baseline), 'bundle', 'register.js');
    list.push(
      { label: 'baseline build: agent, idle', agent: { register: other, agentId: 'bench-parts-base-idle', actions: false } },
      {
        label: 'baseline build: agent, 1 log action installed, none hit',
        agent: { register: other, agentId: 'bench-parts-base-one', actions: true, few: { count: 1 } },
      },
      {
        label: `baseline build: agent, ${FUNCTIONS} log actions installed, none hit`,
        agent: { register: other, agentId: 'bench-parts-base-installed', actions: true, hit: false },
      },
      {
        label: `baseline build: agent, ${FUNCTIONS} log actions installed and hit`,
        agent: { register: other, agentId: 'bench-parts-base-actions', actions: true },
      },
    );
  }
  return list;
}

const benchmark: Benchmark = {
  name: 'memory-parts',
  title: 'Agent memory, part by part',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const baseline = process.env.LIVEPROBE_BENCH_BASELINE;
    const dir = await mkdtemp(join(tmpdir(), 'liveprobe-bench-parts-'));
    const { source, lines } = hundredFunctions();
    const script = join(dir, SCRIPT_NAME);
    await writeFile(script, source);
    const files = await partFiles(dir);
    const all = variants(files, baseline);
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    /** Per variant: RSS, USS, PSS and heap over the app without the agent, one entry per round. */
    const over = all.map(() => ({ rss: [] as number[], uss: [] as number[], pss: [] as number[], heap: [] as number[] }));
    const bareRss: number[] = [];
    const bareUss: number[] = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`memory-parts: round ${round}/${rounds}, ${all.length + 1} apps`);
        const apps: Child[] = [];
        try {
          const start = async (variant: Variant | undefined, k: number) => {
            const agent = variant?.agent;
            const app = await startFixtureApp({
              name: variant?.label ?? 'app without the agent',
              script,
              execArgv: ['--expose-gc'],
              env: variant?.env ?? {},
              ...(agent === undefined
                ? {}
                : {
                    agent: {
                      broker: cp.mqttUrl,
                      agentId: `${agent.agentId}-${round}`,
                      otlpEndpoint: sink.url,
                      quotas: 'default' as const,
                      // Its own register module, not the package's: the baseline is another build.
                      register: agent.register,
                      ...(agent.env === undefined ? {} : { env: agent.env }),
                    },
                  }),
            });
            apps[k] = app;
            if (agent !== undefined) await agentConnected(app);
            return app;
          };
          const started = await Promise.all([start(undefined, 0), ...all.map((variant, k) => start(variant, k + 1))]);
          const withActions = all.flatMap((variant, k) =>
            variant.agent?.actions
              ? [
                  {
                    k: k + 1,
                    id: `${variant.agent.agentId}-${round}`,
                    app: started[k + 1]!,
                    hit: variant.agent.hit !== false,
                    few: variant.agent.few,
                  },
                ]
              : [],
          );
          // Each app is read SETTLE_MS after its own installs and calls, not after the last app's:
          // the apps are installed one after another, and when all were read at the end, those
          // installed first had had a minute or more to settle and the last 20 s (a copy of this
          // very build as the baseline, installed last, read +2.6 MiB more than this build with
          // 100 actions hit, median of 3 rounds; read each at the same time after its own work,
          // those installed first read higher instead: docs/BENCHMARKS.md).
          const reads: Promise<Memory & ResidentMemory>[] = [];
          const settledRead = (k: number) => {
            const read = sleep(SETTLE_MS).then(() => memoryOf(started[k]!));
            // Awaited with the others below; a failure before then must not go unhandled.
            read.catch(() => {});
            reads[k] = read;
          };
          // The install order turns by a share of the list each round, so each variant is
          // installed early, midway and late as often as the others (the baseline build's rows
          // are last in the list).
          const turn = Math.floor(((round - 1) * withActions.length) / rounds);
          for (const { k, id, app, hit, few } of [...withActions.slice(turn), ...withActions.slice(0, turn)]) {
            if (few === undefined) await installActions(api, id, lines, hit ? app : undefined);
            else await placeFew(api, id, lines.slice(0, few.count), few.file);
            settledRead(k);
          }
          for (const [k, variant] of all.entries())
            if (variant.calledWithoutAgent) {
              await callEveryLine(started[k + 1]!);
              settledRead(k + 1);
            }
          await sleep(SETTLE_MS);
          const [bare, ...memory] = await Promise.all(started.map((app, k) => reads[k] ?? memoryOf(app)));
          bareRss.push(bare!.rss);
          bareUss.push(bare!.uss);
          memory.forEach((m, k) => {
            over[k]!.rss.push(m.rss - bare!.rss);
            over[k]!.uss.push(m.uss - bare!.uss);
            over[k]!.pss.push(m.pss - bare!.pss);
            over[k]!.heap.push(m.heapUsed - bare!.heapUsed);
          });
        } finally {
          await Promise.all(apps.filter((app) => app !== undefined).map((app) => app.stop()));
        }
      }
    } finally {
      await Promise.all([cp.stop(), sink.stop()]);
      await rm(dir, { recursive: true, force: true });
      await Promise.all(files.map(({ modules }) => rm(new URL(modules), { force: true })));
    }
    const range = (values: number[]) => `${signed(median(values))} (${signed(Math.min(...values))} – ${signed(Math.max(...values))})`;
    const table = renderTable(
      [
        'variant',
        'RSS over the app without the agent, MiB: median (min – max)',
        'private memory (USS) over it, MiB: median (min – max)',
        'PSS over it, MiB',
        "app thread's heap over it, MiB",
      ],
      all.map((variant, k) => {
        const { rss, uss, pss, heap } = over[k]!;
        return [variant.label, range(rss), range(uss), signed(median(pss)), signed(median(heap))];
      }),
      ['left', 'right', 'right', 'right', 'right'],
    );
    return {
      blocks: [
        `${rounds} rounds; in each, ${all.length + 1} copies of one app (${FUNCTIONS} small functions, \`node --expose-gc\`) started side by side: one without the agent (RSS ${mib(median(bareRss))} MiB, median), one per variant. ` +
          `A part's worker is started as the agent starts its own (no execArgv, young generation ${YOUNG_GENERATION_MB} MiB). "As modules": the part imported as Node loads it; "bundled": one esbuild file, as agent/scripts/bundle-agent.mjs ships the worker. ` +
          `Memory read ${SETTLE_MS / 1000} s after start-up, or after the app's own actions installed and its lines were called (the apps are installed one after another, the order turned by a share of the list each round), the app thread's heap after \`gc()\`; the worker's heap shows only in RSS. ` +
          `RSS counts every resident page; USS (Private_Clean + Private_Dirty of /proc/<pid>/smaps_rollup) only those no other process maps, leaving out the node binary's pages every Node process on the box shares (here the other copies started side by side; the bare app's USS: ${mib(median(bareUss))} MiB); PSS gives each shared page's share to each process that maps it, so it depends on how many Node processes run on the machine. ` +
          `With actions: ${FUNCTIONS} log actions (default quotas, exporting OTLP to a local sink), each line hit 10 times unless the row says none. The agent's worker starts with its first action unless the row says it started with the app. ` +
          `The first row is an app without the agent that served the same ${FUNCTIONS} IPC requests and calls as the hit rows: the part of those rows that is the app's own work, not the agent's.` +
          (baseline === undefined ? '' : ` Baseline build: \`${baseline}\`.`),
        table,
      ],
      targets: targetRows(over, all, bareRss),
    };
  },
};

const mib = (bytes: number) => sig(bytes / 1024 / 1024);
const signed = (bytes: number) => `${bytes < 0 ? '−' : '+'}${mib(Math.abs(bytes))}`;

/**
 * Issue 21's two memory targets, each over the app without the agent doing what the agent's app
 * did: idle against the idle bare app; 100 actions installed and hit against the bare app whose
 * lines were called the same way (its own work grows its RSS by several MiB, which is the app's,
 * not the agent's), per round. The figure over the idle bare app goes beside it.
 */
function targetRows(
  over: ReadonlyArray<{ rss: number[]; uss: number[] }>,
  all: readonly Variant[],
  bareRss: readonly number[],
): TargetRow[] {
  const format = (bytes: number) => `${signed(bytes)} MiB`;
  const row = (v: (variant: Variant) => boolean | undefined) => over[all.findIndex(v)]!;
  const minus = (a: readonly number[], b: readonly number[]) => a.map((x, k) => x - b[k]!);
  const idle = row((v) => v.agent?.agentId === 'bench-parts-idle');
  const actions = row((v) => v.agent?.agentId === 'bench-parts-actions');
  const called = row((v) => v.calledWithoutAgent);
  return [
    atMost(
      'idle agent RSS ≤ +15 MiB over a bare app',
      idle.rss,
      15 * 1024 * 1024,
      format,
      // The target is on RSS; what a fleet pays per process (without the shared node binary) goes beside it.
      `the bare app: ${mib(median(bareRss))} MiB RSS; for reference, private memory (USS) over it: ${spread(idle.uss, format)}`,
    ),
    atMost(
      `${FUNCTIONS} installed actions ≤ +25 MiB over a bare app`,
      minus(actions.rss, called.rss),
      25 * 1024 * 1024,
      format,
      `the bare app with its ${FUNCTIONS} lines called as the agent's app had them called (IPC requests, the loops): ${spread(called.rss, format)} over the idle bare app (${mib(median(bareRss))} MiB RSS), the app's own work; over the idle bare app the agent's app reads ${spread(actions.rss, format)}; for reference, private memory (USS) over the called app: ${spread(minus(actions.uss, called.uss), format)}`,
    ),
  ];
}

/** `hitting`: the app whose lines are then hit 10 times each; none, to see what installing alone costs. */
async function installActions(api: ControlPlaneApi, agentId: string, lines: number[], hitting: Child | undefined): Promise<void> {
  const ids = await addLogActions(api, agentId, lines, { expiresIn: '1h' });
  for (const id of ids) await api.waitForStatus(id, agentId, 'installed', 120_000);
  if (hitting === undefined) return;
  // Every condition has run, and the first records went out through the OTel SDK.
  await callEveryLine(hitting);
}

/** Each function's line 10 times, one IPC request per function: the hits of the hit rows. */
async function callEveryLine(app: Child): Promise<void> {
  for (let k = 0; k < FUNCTIONS; k++) await app.ipc.request('measure', { loop: `f${k}`, calls: 10 });
}

/** A few actions, none hit: installed, or pending when their file is not loaded. */
async function placeFew(api: ControlPlaneApi, agentId: string, lines: number[], file: string | undefined): Promise<void> {
  const ids = await addLogActions(api, agentId, lines, { expiresIn: '1h' }, file);
  for (const id of ids) await api.waitForStatus(id, agentId, file === undefined ? 'installed' : 'pending', 120_000);
}

export default benchmark;
