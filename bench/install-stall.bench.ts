/**
 * How long installing or removing an action holds up an app that loaded 5,000 modules, with the
 * agent's inspector session opened on demand (the default: the first action enables V8's
 * debugger, which reports every loaded script at once) and opened at start-up and kept open
 * (LIVEPROBE_INSPECTOR_SESSION=startup, where the agent turns V8's baseline tier off, and again with
 * it kept on, LIVEPROBE_SPARKPLUG=on); then what keeping it open costs, beside the same app
 * without the agent: loading the modules, an `await`, a thrown and caught error, RSS. Every
 * round starts the apps afresh, in a rotating order; a fifth app has the action's file prepared
 * (install path 2), where installing opens no session.
 *
 * LIVEPROBE_BENCH_BASELINE=<another build's agent/dist> adds that build's agent in the prepared
 * file's app, side by side; LIVEPROBE_BENCH_STALL_ONLY=prepared runs only the prepared file's apps
 * and their stall steps (no app without the agent, no session costs, no callgrind), and
 * LIVEPROBE_BENCH_STALL_ONLY=on-demand only the app with the session on demand, likewise, and
 * LIVEPROBE_BENCH_STALL_ONLY=startup only the apps with the session open from start-up (Sparkplug off and
 * kept on, and the baseline build's beside them when LIVEPROBE_BENCH_BASELINE is given);
 * LIVEPROBE_BENCH_APP_NODE=<a node binary> starts the apps on that Node (the control plane stays on this one).
 */
import { fromRoot, lineOf, otlpReceiver, type Child } from '@liveprobe/harness';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import { baselineRegister } from './lib/baseline-agent.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, mib, ms, ratio } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { atMost } from './lib/targets.js';
import { countInstructions, countInstructionsWithin, hasValgrind } from './lib/callgrind.js';
import { instructionsPerTask, type TaskInstructions } from './lib/task-instructions.js';

const FILE = 'bench/fixtures/many-modules.mjs';
const MODULES = 5000;
/**
 * `await`s and throws per batch, each batch measured on every app in turn; each app keeps its
 * least. A batch runs ≥ 100 ms without the agent: the thread's CPU clock moves in scheduler
 * ticks of up to 4 ms while the thread runs on.
 */
const TASK_BATCH = { awaits: 2_000_000, throws: 40_000 } as const;
const TASK_BATCHES = 5;
/** After a status arrives, the session may still be closing: the delay is read this much later. */
const SETTLE_MS = 300;
/**
 * Idle, install and remove, this many times on each app in a round. A step's stall comes back
 * each time; the machine's other work (which, at a load of 6 to 10, held an idle app's loop up to
 * 32 ms) lands on one repetition or another, so each step keeps its least.
 */
const CYCLES = 3;

const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;
const ONLY = process.env.LIVEPROBE_BENCH_STALL_ONLY;
if (ONLY !== undefined && ONLY !== 'prepared' && ONLY !== 'on-demand' && ONLY !== 'startup')
  throw new Error(`LIVEPROBE_BENCH_STALL_ONLY is "${ONLY}"; it takes prepared, on-demand or startup`);
/** Only some apps' stall steps: no app without the agent, no session costs, no callgrind. */
const STALL_ONLY = ONLY !== undefined;

type AppKey = 'bare' | 'on-demand' | 'startup' | 'startup-sparkplug' | 'startup-baseline' | 'prepared' | 'prepared-baseline';
const SESSION_APPS: { key: AppKey; label: string }[] = [
  { key: 'bare', label: 'no agent' },
  { key: 'on-demand', label: 'session on demand (default)' },
  { key: 'startup', label: 'session open from start-up' },
  { key: 'startup-sparkplug', label: 'the same, Sparkplug kept on (LIVEPROBE_SPARKPLUG=on)' },
];
/** What each app with a session of its own sets (the agent turns Sparkplug off with the session at start-up unless told). */
const SESSION_ENV: Partial<Record<AppKey, Record<string, string>>> = {
  'on-demand': { LIVEPROBE_INSPECTOR_SESSION: 'on-demand' },
  startup: { LIVEPROBE_INSPECTOR_SESSION: 'startup' },
  'startup-sparkplug': { LIVEPROBE_INSPECTOR_SESSION: 'startup', LIVEPROBE_SPARKPLUG: 'on' },
  'startup-baseline': { LIVEPROBE_INSPECTOR_SESSION: 'startup' },
};
/** Install path 2: the action's file is prepared, so installing it opens no session at all. */
/** Another Node for the apps (test/node-versions' 22, code-server's 24). */
const APP_NODE = process.env.LIVEPROBE_BENCH_APP_NODE;
const appNodeVersion = (): string =>
  APP_NODE === undefined ? process.version : execFileSync(APP_NODE, ['-v'], { encoding: 'utf8' }).trim();
const PREPARED_APPS: { key: AppKey; label: string }[] = [
  { key: 'prepared', label: 'on demand, the action on a prepared file' },
  ...(BASELINE === undefined ? [] : [{ key: 'prepared-baseline' as const, label: `the same, baseline build (${BASELINE})` }]),
];
/** LIVEPROBE_BENCH_STALL_ONLY=startup: the session open from start-up, with and without Sparkplug, and the baseline build's. */
const STARTUP_APPS: { key: AppKey; label: string }[] = [
  ...SESSION_APPS.filter((a) => a.key === 'startup' || a.key === 'startup-sparkplug'),
  ...(BASELINE === undefined
    ? []
    : [{ key: 'startup-baseline' as const, label: `session open from start-up, baseline build (${BASELINE})` }]),
];
const APPS =
  ONLY === 'prepared'
    ? PREPARED_APPS
    : ONLY === 'on-demand'
      ? SESSION_APPS.filter((a) => a.key === 'on-demand')
      : ONLY === 'startup'
        ? STARTUP_APPS
        : [...SESSION_APPS, ...PREPARED_APPS];
/** For the intro: which apps a LIVEPROBE_BENCH_STALL_ONLY run starts. */
const STALL_ONLY_APPS: Record<string, string> = {
  prepared: 'the apps with the action on a prepared file',
  'on-demand': 'the app with the session on demand',
  startup: 'the apps with the session open from start-up',
};
/** For the intro: how many apps start in each round. */
const APP_COUNT = ['no', 'one', 'two', 'three', 'four', 'five', 'six'];
const isPrepared = (key: AppKey): boolean => key === 'prepared' || key === 'prepared-baseline';

/** `await`s and throws counted under callgrind (bench/lib/task-instructions.ts), and again twice as many. */
const COUNTED_AWAITS = 10_000;
const COUNTED_THROWS = 2_000;

/** V8's handler of the command, on the main thread: callgrind counts inside it only. */
const SET_BREAKPOINT_BY_URL = 'v8_inspector::V8DebuggerAgentImpl::setBreakpointByUrl*';
/**
 * bench/fixtures/first-breakpoint.mjs: its line's enclosing top level ran the loading loop (so V8
 * gave it baseline code), or the loop ran in a function of its own, or V8 has no baseline tier.
 */
const FIRST_BREAKPOINT = [
  { key: 'top', label: 'loop at the top level (as many-modules.mjs)', loadIn: 'top', flags: [], heapObjects: 0 },
  {
    key: 'heap',
    label: 'the same, 1,000,000 more small objects on the heap',
    loadIn: 'top',
    flags: [],
    heapObjects: 1_000_000,
  },
  { key: 'function', label: 'loop in a function of its own', loadIn: 'function', flags: [], heapObjects: 0 },
  {
    key: 'no-sparkplug',
    label: 'loop at the top level, Sparkplug off (`--no-sparkplug`, as the agent with the session open from start-up)',
    loadIn: 'top',
    flags: ['--no-sparkplug'],
    heapObjects: 0,
  },
  {
    key: 'no-sparkplug-heap',
    label: 'the same, 1,000,000 more small objects on the heap',
    loadIn: 'top',
    flags: ['--no-sparkplug'],
    heapObjects: 1_000_000,
  },
] as const;

/** V8's handler of `Debugger.enable` on the main thread, and the parts of it the table splits out. */
const DEBUGGER_ENABLE = 'v8_inspector::V8DebuggerAgentImpl::enableImpl*';
const ENABLE_PARTS = [
  { fn: 'v8::debug::Script::GetSha256Hash', label: "of which each script's SHA-256 hash (its source copied out, hashed, written in hex)" },
  {
    fn: 'v8_inspector::V8DebuggerAgentImpl::didParseSource',
    label: "of which each script's `scriptParsed` notification, built and turned into JSON for the session",
  },
  {
    fn: 'v8::internal::Isolate::CollectSourcePositionsForAllBytecodeArrays',
    label: 'of which source positions for every function compiled without them',
  },
] as const;

const STEPS = [
  { key: 'idle', label: 'nothing happens (the noise floor in this app)' },
  { key: 'install', label: 'first action installs' },
  { key: 'remove', label: 'the last action is removed' },
  { key: 'again', label: 'an action installs again' },
] as const;

/** Small CommonJS modules, each with two functions, written once per run. */
async function writeModules(): Promise<string> {
  const dir = join(tmpdir(), 'liveprobe-install-stall');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < MODULES; i++) {
    const source = `'use strict';\nfunction f(a, b) {\n  const s = a + b;\n  return s * ${i};\n}\nfunction g(x) {\n  return x.map((v) => f(v, 1));\n}\nmodule.exports = { f, g };\n`;
    await writeFile(join(dir, `m${i}.cjs`), source);
  }
  return dir;
}

const benchmark: Benchmark = {
  name: 'install-stall',
  title: 'Install stall: the inspector session on demand vs open from start-up, 5,000 modules loaded',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const dir = await writeModules();
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const line = lineOf(FILE, 'keeper');
    const samples = new Map<string, number[]>();
    const add = (key: string, value: number): void => void samples.set(key, [...(samples.get(key) ?? []), value]);
    const ratios = new Map<string, number[]>();
    const addRatio = (key: string, value: number): void => void ratios.set(key, [...(ratios.get(key) ?? []), value]);
    const longestDelay = async (app: Child): Promise<number> => (await app.ipc.request<{ maxMs: number }>('delay')).maxMs;
    const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    /** Main-thread instructions per `await` and throw, by variant, when valgrind is installed. */
    const instructions = new Map<string, TaskInstructions>();
    /** Main-thread instructions of V8's first setBreakpointByUrl, by FIRST_BREAKPOINT variant. */
    const firstBreakpoint = new Map<string, number>();
    /** Main-thread instructions of V8's Debugger.enable, first and enabled again, split by ENABLE_PARTS. */
    let debuggerEnable: { first: number; parts: Map<string, number>; again: number } | undefined;
    /** The longest pause the apps' own garbage collector made in any measured step. */
    let longestGc = 0;

    const start = async (key: AppKey, round: number): Promise<Child> => {
      const agentId = `bench-install-stall-${key}-${round}`;
      const app = await startFixtureApp({
        name: `app, ${key}`,
        script: fixture('many-modules.mjs'),
        env: { MODULES_DIR: dir, MODULES: String(MODULES) },
        ...(APP_NODE === undefined ? {} : { node: APP_NODE }),
        ...(key === 'bare'
          ? {}
          : {
              agent: {
                broker: cp.mqttUrl,
                agentId,
                otlpEndpoint: sink.url,
                quotas: 'default',
                ...(key === 'prepared-baseline' || key === 'startup-baseline' ? { register: baselineRegister(BASELINE!) } : {}),
                env: isPrepared(key) ? { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off' } : SESSION_ENV[key]!,
              },
            }),
      });
      if (key !== 'bare') await agentConnected(app);
      return app;
    };

    /** The longest delay of one step: `act` runs with the app's delay (and GC) record reset, read SETTLE_MS after it. */
    const stepDelay = async (app: Child, act: () => Promise<void>): Promise<{ delayMs: number; gcMs: number }> => {
      await app.ipc.request('resetDelay');
      await app.ipc.request('resetGc');
      await act();
      await settle();
      const delayMs = await longestDelay(app);
      return { delayMs, gcMs: (await app.ipc.request<{ maxMs: number }>('gc')).maxMs };
    };

    /**
     * CYCLES times: nothing (the idle floor), an action installs, it is removed. Each step keeps
     * the least of its repetitions in the round (the first install happens once per process).
     */
    const installSteps = async (app: Child, key: AppKey, round: number): Promise<void> => {
      const agentId = `bench-install-stall-${key}-${round}`;
      const events = await api.events({ agent: agentId });
      const measured = new Map<string, number[]>();
      const note = (step: string, { delayMs, gcMs }: { delayMs: number; gcMs: number }) => {
        measured.set(step, [...(measured.get(step) ?? []), delayMs]);
        longestGc = Math.max(longestGc, gcMs);
      };
      try {
        for (let cycle = 0; cycle < CYCLES; cycle++) {
          note('idle', await stepDelay(app, async () => {}));
          let id = '';
          note(
            cycle === 0 ? 'install' : 'again',
            await stepDelay(app, async () => {
              id = await api.addAction({ type: 'log', file: FILE, line, template: 'never hit', agents: [agentId] });
              const { message } = await api.waitForStatus(id, agentId, 'installed');
              const prepared = /prepared site/.test(message ?? '');
              if (prepared !== isPrepared(key))
                throw new Error(`${agentId} installed ${id} as "${message}", not on the path this row measures`);
            }),
          );
          note(
            'remove',
            await stepDelay(app, async () => {
              await api.deleteAction(id);
              await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
            }),
          );
        }
      } finally {
        events.close();
      }
      for (const [step, values] of measured) add(`${step} ${key}`, min(values));
    };

    /** Loading, RSS, `await`s and throws beside the app without the agent, then that app's idle floor. */
    const sessionCosts = async (apps: Map<AppKey, Child>, order: typeof APPS): Promise<void> => {
      const info = new Map<AppKey, number>();
      for (const { key } of order) {
        const app = apps.get(key)!;
        const { loadMs } = await app.ipc.request<{ loadMs: number }>('info');
        info.set(key, loadMs);
        add(`load ${key}`, loadMs);
        add(`rss ${key}`, (await app.ipc.request<{ rss: number }>('memory', { gc: false })).rss);
      }
      for (const { key } of order) addRatio(`load ${key}`, info.get(key)! / info.get('bare')!);
      for (const task of ['awaits', 'throws'] as const) {
        for (const { key } of order) await apps.get(key)!.ipc.request('measureTask', { task, count: TASK_BATCH[task] / 10 });
        // Batches interleaved across the apps, each app keeping its least: a batch that other
        // work on the machine slowed does not decide the ratio (one 100,000-item run timed on
        // the wall clock put the idle agent's `await` at ×1.08–×1.83 from run to run).
        const measured = new Map<AppKey, number>();
        for (let batch = 0; batch < TASK_BATCHES; batch++) {
          for (const { key } of order) {
            const { nsPerItem, cpuNsPerItem } = await apps
              .get(key)!
              .ipc.request<{ nsPerItem: number; cpuNsPerItem?: number }>('measureTask', { task, count: TASK_BATCH[task] });
            measured.set(key, Math.min(cpuNsPerItem ?? nsPerItem, measured.get(key) ?? Number.POSITIVE_INFINITY));
          }
        }
        for (const { key } of order) {
          add(`${task} ${key}`, measured.get(key)!);
          addRatio(`${task} ${key}`, measured.get(key)! / measured.get('bare')!);
        }
      }
      // The noise floor: the same wait in the app without the agent, nothing installed.
      const bare = apps.get('bare')!;
      const bareIdle: number[] = [];
      for (let cycle = 0; cycle < CYCLES; cycle++) bareIdle.push((await stepDelay(bare, async () => {})).delayMs);
      add('idle bare', min(bareIdle));
    };

    try {
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`install-stall: round ${round}/${rounds}`);
        const order = APPS.map((_, i) => APPS[(i + round - 1) % APPS.length]!);
        const apps = new Map<AppKey, Child>();
        try {
          // One at a time: each app's module loading is timed.
          for (const { key } of order) apps.set(key, await start(key, round));
          if (!STALL_ONLY) await sessionCosts(apps, order);
          for (const { key } of order) if (key !== 'bare') await installSteps(apps.get(key)!, key, round);
        } finally {
          await Promise.all([...apps.values()].map((app) => app.stop()));
        }
      }
      // After the apps stopped, so that callgrind's runs do not share the cores with them.
      if (hasValgrind() && !STALL_ONLY) {
        const agent = (session: string) => ({
          LIVEPROBE_BROKER_URL: cp.mqttUrl,
          LIVEPROBE_AGENT_ID: `bench-install-stall-counted-${session}`,
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          LIVEPROBE_INSPECTOR_SESSION: session,
        });
        const register = ['--import', '@liveprobe/agent/register'];
        for (const [key, nodeArgs, env] of [
          ['bare', [], {}],
          ['on-demand', register, agent('on-demand')],
          ['startup', register, agent('startup')],
          ['startup-sparkplug', register, { ...agent('startup'), LIVEPROBE_SPARKPLUG: 'on' }],
          ['debugger', ['--import', fixture('debugger-enabled.mjs')], {}],
        ] as const) {
          ctx.progress(`install-stall: instructions per await and throw, ${key} (callgrind)`);
          instructions.set(key, await instructionsPerTask([...nodeArgs], env, COUNTED_AWAITS, COUNTED_THROWS));
        }
        for (const variant of FIRST_BREAKPOINT) {
          ctx.progress(`install-stall: instructions of a first breakpoint, ${variant.key} (callgrind)`);
          const args = [process.execPath, ...variant.flags, fixture('first-breakpoint.mjs')];
          const env = { MODULES_DIR: dir, MODULES: String(MODULES), LOAD_IN: variant.loadIn, HEAP_OBJECTS: String(variant.heapObjects) };
          firstBreakpoint.set(variant.key, await countInstructions(args, env, SET_BREAKPOINT_BY_URL));
        }
        ctx.progress('install-stall: instructions of Debugger.enable on demand (callgrind)');
        const enableArgs = [process.execPath, fixture('debugger-enable.mjs')];
        const enableEnv = { MODULES_DIR: dir, MODULES: String(MODULES) };
        const once = await countInstructionsWithin(
          enableArgs,
          { ...enableEnv, ENABLES: '1' },
          DEBUGGER_ENABLE,
          ENABLE_PARTS.map((p) => p.fn),
        );
        const twice = await countInstructions(enableArgs, { ...enableEnv, ENABLES: '2' }, DEBUGGER_ENABLE);
        debuggerEnable = { first: once.total, parts: once.parts, again: twice - once.total };
      }
    } finally {
      await Promise.all([cp.stop(), sink.stop()]);
    }

    const agents = APPS.filter((a) => a.key !== 'bare');
    const intro =
      `${rounds} rounds; in each, the ${APP_COUNT[APPS.length]} apps start afresh one after the other (the order rotating) and load ${MODULES.toLocaleString('en-US')} small CommonJS modules. ` +
      `On each app with the agent, ${CYCLES} times: nothing happens, a log action on a line never hit installs, it is removed (the first install of the process is the first action; the others install again). The delay is the app's own \`monitorEventLoopDelay\` (1 ms resolution), reset before each step and read ${SETTLE_MS} ms after its status. ` +
      'On demand, the first action opens the session (V8 reports every loaded script with the main thread held) and removing the last one closes it; on a prepared file (LIVEPROBE_PREPARE) the action is a prepared site and no session opens. ' +
      `Other work on the machine only adds to a delay (on a loaded machine it held an idle app up to 32 ms), while a stall the agent causes comes back each time: each step keeps the least of its repetitions in a round, and the least over rounds is the closest to what the step itself costs. ${longestGc === 0 ? "The apps' own garbage collector did not run in any measured step." : `The apps' own garbage collector paused them at most ${ms(longestGc)} in a measured step.`} ` +
      'The target is judged per round: the longest of its steps less the same app idle in that round.';
    const stalls = renderTable(
      ['longest event-loop delay while…', ...agents.flatMap((a) => [`${a.label}: least`, 'median', 'max'])],
      [
        ...STEPS.map((step) => [
          step.label,
          ...agents.flatMap((a) => {
            const values = samples.get(`${step.key} ${a.key}`)!;
            return [ms(min(values)), ms(median(values)), ms(max(values))];
          }),
        ]),
        ...(STALL_ONLY
          ? []
          : [
              [
                'nothing happens, in the app without the agent',
                ms(min(samples.get('idle bare')!)),
                ms(median(samples.get('idle bare')!)),
                ms(max(samples.get('idle bare')!)),
                ...agents.slice(1).flatMap(() => ['', '', '']),
              ],
            ]),
      ],
      ['left', ...agents.flatMap(() => ['right', 'right', 'right'] as const)],
    );
    // Per app (a baseline build's beside this one's, when given).
    const targets = agents.map((a) => {
      // Per round: the longest delay of any install or removal, less the same app's idle delay in that round.
      const idle = samples.get(`idle ${a.key}`)!;
      const caused = idle.map(
        (floor, r) => Math.max(...STEPS.filter((s) => s.key !== 'idle').map((s) => samples.get(`${s.key} ${a.key}`)![r]!)) - floor,
      );
      return atMost(
        `installing or removing an action stalls the app ≤ 5 ms, ${MODULES.toLocaleString('en-US')} scripts loaded: ${a.label}`,
        caused,
        5,
        (value) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`,
        `the same app idle: ${ms(median(idle))} longest delay (median); measured is the excess over it per round`,
      );
    });
    if (STALL_ONLY)
      return {
        blocks: [
          `${intro} Only ${STALL_ONLY_APPS[ONLY!]} (LIVEPROBE_BENCH_STALL_ONLY=${ONLY}), the apps on Node ${appNodeVersion()}.`,
          stalls,
        ],
        targets,
      };
    const costRow = (label: string, key: string, format: (value: number) => string) => [
      label,
      ...SESSION_APPS.flatMap((a) => {
        const value = format(median(samples.get(`${key} ${a.key}`)!));
        return a.key === 'bare' ? [value] : [value, ratio(median(ratios.get(`${key} ${a.key}`)!))];
      }),
    ];
    const rss = (key: AppKey) => median(samples.get(`rss ${key}`)!);
    const withAgent = SESSION_APPS.filter((a) => a.key !== 'bare');
    const costs = renderTable(
      ['app, no action', 'no agent', ...withAgent.flatMap((a) => [a.label, '× no agent'])],
      [
        costRow(`loading ${MODULES.toLocaleString('en-US')} modules at start`, 'load', ms),
        costRow('one `await` of an async function', 'awaits', duration),
        costRow('one error thrown and caught', 'throws', duration),
        ['RSS after loading', mib(rss('bare')), ...withAgent.flatMap((a) => [mib(rss(a.key)), `+${mib(rss(a.key) - rss('bare'))}`])],
      ],
      ['left', 'right', ...withAgent.flatMap(() => ['right', 'right'] as const)],
    );
    return {
      blocks: [
        intro,
        stalls,
        `What keeping the session open costs with no action installed: medians over rounds; "× no agent" is the median of the per-round ratios. \`await\` and throw: ${TASK_BATCHES} batches of ${TASK_BATCH.awaits.toLocaleString('en-US')} \`await\`s and of ${TASK_BATCH.throws.toLocaleString('en-US')} throws in a loop on each app after a warm-up, the batches interleaved across the apps, each app keeping its least main-thread CPU time per item (wall time where the platform does not tell).`,
        costs,
        ...instructionBlocks(instructions),
        ...firstBreakpointBlocks(firstBreakpoint),
        ...debuggerEnableBlocks(debuggerEnable),
      ],
      targets,
    };
  },
};

/**
 * The same `await` and throw counted in instructions, beside V8's debugger enabled with nothing of
 * the agent's: which part of an open session's cost is V8's and which the agent's.
 */
function instructionBlocks(instructions: Map<string, TaskInstructions>): string[] {
  const bare = instructions.get('bare');
  if (bare === undefined) return [];
  const columns = [
    ['on-demand', 'agent idle, session on demand'],
    ['startup', 'session open from start-up'],
    ['startup-sparkplug', 'the same, Sparkplug on'],
    ['debugger', "V8's debugger alone"],
  ] as const;
  const row = (label: string, task: keyof TaskInstructions) => [
    label,
    count(bare[task]),
    ...columns.flatMap(([key]) => {
      const value = instructions.get(key)![task];
      return [count(value), ratio(value / bare[task])];
    }),
  ];
  return [
    `Main-thread instructions per item (callgrind, which the machine's load does not change): bench/fixtures/task-loop.mjs at ${COUNTED_AWAITS.toLocaleString('en-US')} \`await\`s and ${COUNTED_THROWS.toLocaleString('en-US')} throws, and with each doubled; the differences are one of each. "V8's debugger alone" is a worker's inspector session that enables the debugger on the main thread as the agent's start-up session does (\`Debugger.enable\`, every pause skipped) and nothing else of the agent's (bench/fixtures/debugger-enabled.mjs).`,
    renderTable(
      ['instructions, no action', 'no agent', ...columns.flatMap(([, label]) => [label, '× no agent'])],
      [row('one `await` of an async function', 'await'), row('one error thrown and caught', 'throw')],
      ['left', 'right', ...columns.flatMap(() => ['right', 'right'] as const)],
    ),
  ];
}

/** What V8's first breakpoint in a script costs the main thread, by what ran in the script before. */
function firstBreakpointBlocks(counted: Map<string, number>): string[] {
  if (counted.size === 0) return [];
  return [
    `Where the install stall with the session open from start-up comes from: main-thread instructions inside V8's \`Debugger.setBreakpointByUrl\` (callgrind), for the first breakpoint on a line of a never-called function, the debugger enabled before ${MODULES.toLocaleString('en-US')} modules load (bench/fixtures/first-breakpoint.mjs). V8 prepares every function enclosing the line for debugging; one that has baseline (Sparkplug) code has it discarded by a walk over the whole heap (\`Debug::DiscardBaselineCode\`), once per such function, so it grows with the heap (1,000,000 more small objects kept alive before the breakpoint: bench/fixtures/first-breakpoint.mjs with HEAP_OBJECTS). In many-modules.mjs the enclosing top level ran the loading loop, so it has baseline code; in an app, a hot function an action targets has. With the session open from start-up the agent turns Sparkplug off before the app's first module (LIVEPROBE_SPARKPLUG), so no function has any to discard.`,
    renderTable(
      ['loading loop', 'instructions in setBreakpointByUrl'],
      FIRST_BREAKPOINT.map((v) => [v.label, count(counted.get(v.key)!)]),
      ['left', 'right'],
    ),
  ];
}

/** What V8's `Debugger.enable` costs the main thread with the modules loaded, part by part. */
function debuggerEnableBlocks(counted: { first: number; parts: Map<string, number>; again: number } | undefined): string[] {
  if (counted === undefined) return [];
  // No figure per module: part of the count does not grow with the modules (with 200 of them, the first enable counted 274 M).
  const row = (label: string, value: number) => [label, count(value), `${((100 * value) / counted.first).toFixed(1)}%`];
  return [
    `Where the install stall with the session on demand comes from: main-thread instructions inside V8's \`Debugger.enable\` (callgrind, inclusive counts by callgrind_annotate), a worker's session enabling the debugger after ${MODULES.toLocaleString('en-US')} modules loaded (bench/fixtures/debugger-enable.mjs), and the same enabled again after \`Debugger.disable\` (as when actions reappear after the session closed): all of it V8's, growing with the scripts loaded. V8 keeps a script's hash once computed, which is why installing again stalls less than the first install.`,
    renderTable(
      ['inside `Debugger.enable`', 'instructions', 'of the first enable'],
      [
        row('the first enable, in all', counted.first),
        ...ENABLE_PARTS.map((p) => row(p.label, counted.parts.get(p.fn)!)),
        row('enabled again after a disable', counted.again),
      ],
      ['left', 'right', 'right'],
    ),
  ];
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export default benchmark;
