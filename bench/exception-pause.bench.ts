/**
 * What exception actions cost, on both install paths. Part 1, the finished action: the same app
 * without the agent, with the agent (breakpoint path: its files are not prepared), and with the
 * agent and its files prepared as they load (prepared path: exception sites, no pause) throws
 * and catches errors with no exception action, with one whose filter refuses them, and with one
 * that captures each (two frames, held for an error handler they never reach). On the breakpoint
 * path caught errors pause the app, and the agent pauses it for at most 20 a second (then it
 * watches uncaught errors only for a minute), so throws are measured in bursts of 10, a second
 * apart, on both paths alike. All three apps are measured in each round; ratios are to the app
 * without the agent in that round.
 *
 * Part 2, the mechanism alone: a worker's inspector session on the main thread with
 * `Debugger.setPauseOnExceptions`, resuming each pause (and, in one variant, reading the
 * throwing frame's locals first with `Debugger.evaluateOnCallFrame`, as a capture would).
 * Two workloads on the main thread: code that throws nothing, and a function that throws an
 * Error its caller catches. Variants interleave in each round (the order rotating); ratios are
 * to no session, within the round.
 *
 * Part 3, a Hono app's requests: the same Hono app (bench/fixtures/hono-app.cjs) without the
 * agent, with it and no action, and with an exception action on the breakpoint path, each round
 * measuring the three side by side: requests that throw nothing, and requests whose handler
 * throws an HTTPException Hono answers 403 with (a caught error: a pause each, so in bursts as in
 * part 1). Times are per request as the client sees them (one request at a time over keep-alive).
 */
import { otlpReceiver, type Child } from '@liveprobe/harness';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ActionInput } from '@liveprobe/protocol';
import { agentConnected, startFixtureApp, startHttpApp } from './lib/apps.js';
import type { Benchmark, BenchContext, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, ratio } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { median } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const AGENT_ID = 'bench-exception-pause';
const PREPARED_AGENT_ID = 'bench-exception-prepared';
/** Under the agent's 20 caught pauses a second. */
const BURST = 10;
const BURSTS_PER_ROUND = 4;

const ACTIONS: { key: string; label: string; action?: (agent: string) => ActionInput }[] = [
  { key: 'none', label: 'no exception action' },
  {
    key: 'refused',
    label: 'exception action whose type filter refuses the error',
    action: (agent) => ({ type: 'exception', agents: [agent], errorType: 'NeverThrownError' }),
  },
  {
    key: 'captured',
    label: 'exception action capturing every throw: 2 frames, held for a handler',
    action: (agent) => ({ type: 'exception', agents: [agent], ratePerMinute: 600, maxHits: 10_000, frames: 2 }),
  },
];

/** The two install paths, each an app with the agent. */
const PATHS = [
  { key: 'breakpoint', label: 'breakpoint path (file not prepared)', agentId: AGENT_ID, path: /^breakpoint path/ },
  { key: 'prepared', label: 'prepared path (LIVEPROBE_PREPARE)', agentId: PREPARED_AGENT_ID, path: /^prepared path/ },
] as const;

async function perCall(app: Child, loop: string, calls?: number): Promise<number> {
  return (await app.ipc.request<{ nsPerCall: number }>('measure', { loop, ...(calls === undefined ? { targetMs: 200 } : { calls }) }))
    .nsPerCall;
}

/** ns per caught throw, in bursts of BURST a second apart, and ns per quiet call. */
async function sample(app: Child): Promise<{ throws: number; quiet: number }> {
  const bursts: number[] = [];
  for (let i = 0; i < BURSTS_PER_ROUND; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    bursts.push(await perCall(app, 'throws', BURST));
  }
  return { throws: median(bursts), quiet: await perCall(app, 'quiet') };
}

async function finishedAction(ctx: BenchContext, rounds: number): Promise<string[]> {
  const cp = await startBenchControlPlane();
  const sink = await otlpReceiver({ decode: false });
  const api = new ControlPlaneApi(cp.url);
  const script = fixture('throws.mjs');
  const bare = await startFixtureApp({ name: 'app without the agent', script });
  const agentApp = (name: string, agentId: string, env: Record<string, string> = {}) =>
    startFixtureApp({ name, script, agent: { broker: cp.mqttUrl, agentId, otlpEndpoint: sink.url, quotas: 'default', env } });
  const apps = {
    breakpoint: await agentApp('app with the agent', AGENT_ID),
    // The fixture and its IPC driver: every app file prepared, as the prepared path needs.
    prepared: await agentApp('prepared app with the agent', PREPARED_AGENT_ID, { LIVEPROBE_PREPARE: join(dirname(script), '*.mjs') }),
  };
  const events = await api.events({});
  const samples = new Map<string, { throws: number[]; quiet: number[]; throwRatio: number[]; quietRatio: number[] }>();
  try {
    await Promise.all(Object.values(apps).map((app) => agentConnected(app)));
    for (const app of [bare, ...Object.values(apps)]) await perCall(app, 'throws', 50); // warm-up, under the budget once spread
    for (let round = 1; round <= rounds; round++) {
      ctx.progress(`exception-pause: agent round ${round}/${rounds}`);
      const base = await sample(bare);
      const record = (key: string, s: { throws: number; quiet: number }) => {
        const entry = samples.get(key) ?? { throws: [], quiet: [], throwRatio: [], quietRatio: [] };
        entry.throws.push(s.throws);
        entry.quiet.push(s.quiet);
        entry.throwRatio.push(s.throws / base.throws);
        entry.quietRatio.push(s.quiet / base.quiet);
        samples.set(key, entry);
      };
      record('bare', base);
      for (const path of PATHS) {
        for (const variant of ACTIONS) {
          const id = variant.action === undefined ? undefined : await api.addAction(variant.action(path.agentId));
          if (id !== undefined) {
            await api.waitForStatus(id, path.agentId, 'installed');
            const status = (await api.action(id)).statuses.find((st) => st.agentId === path.agentId);
            if (!path.path.test(status?.message ?? ''))
              throw new Error(`the ${variant.key} action was to take the ${path.key} path; its status says: ${status?.message}`);
          }
          record(`${path.key}/${variant.key}`, await sample(apps[path.key]));
          if (id !== undefined) {
            const status = (await api.action(id)).statuses.find((st) => st.agentId === path.agentId);
            if (status?.message !== undefined && /uncaught errors only/.test(status.message))
              throw new Error(`the ${variant.key} action fell back to uncaught errors during the measurement: ${status.message}`);
            await api.deleteAction(id);
            await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${variant.key} action ${id}`);
          }
        }
      }
    }
  } finally {
    events.close();
    await Promise.all([bare.stop(), ...Object.values(apps).map((app) => app.stop())]);
    await Promise.all([cp.stop(), sink.stop()]);
  }
  const rows = [
    { key: 'bare', label: 'no agent' },
    ...PATHS.flatMap((path) => ACTIONS.map((a) => ({ key: `${path.key}/${a.key}`, label: `${path.label}: ${a.label}` }))),
  ].map(({ key, label }) => {
    const s = samples.get(key)!;
    return [label, duration(median(s.quiet)), ratio(median(s.quietRatio)), duration(median(s.throws)), ratio(median(s.throwRatio))];
  });
  return [
    renderTable(['app', 'no error: per call', 'ratio', 'thrown and caught: per throw', 'ratio'], rows, [
      'left',
      'right',
      'right',
      'right',
      'right',
    ]),
    `The finished action, through the real agent, on both install paths: median of ${rounds} rounds; ratios to the app without the agent in the same round. Throws in ${BURSTS_PER_ROUND} bursts of ${BURST} a second apart per sample (the median burst). On the prepared path a capture over the action's rate per stack (600 a minute here) only reads the stack.`,
  ];
}

const HONO_AGENT_ID = 'bench-exception-hono';
const HONO_QUIET_REQUESTS = 300;

/** ns per request of `url`, one at a time. */
async function perRequest(url: string, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await (await fetch(`${url}${i}`)).arrayBuffer();
  return Number(process.hrtime.bigint() - start) / count;
}

/** ns per quiet request, and per throwing request in bursts of BURST a second apart (the median burst). */
async function honoSample(url: string): Promise<{ quiet: number; throws: number }> {
  const quiet = await perRequest(`${url}/ok?n=`, HONO_QUIET_REQUESTS);
  const bursts: number[] = [];
  for (let i = 0; i < BURSTS_PER_ROUND; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    bursts.push(await perRequest(`${url}/refused?role=r`, BURST));
  }
  return { quiet, throws: median(bursts) };
}

async function honoRequests(ctx: BenchContext, rounds: number): Promise<string[]> {
  const cp = await startBenchControlPlane();
  const sink = await otlpReceiver({ decode: false });
  const api = new ControlPlaneApi(cp.url);
  const script = fixture('hono-app.cjs');
  const bare = await startHttpApp({ name: 'Hono app without the agent', script });
  const agent = await startHttpApp({
    name: 'Hono app with the agent',
    script,
    agent: { broker: cp.mqttUrl, agentId: HONO_AGENT_ID, otlpEndpoint: sink.url, quotas: 'default' },
  });
  const events = await api.events({});
  const keys = ['bare', 'none', 'exception'] as const;
  const samples = new Map<string, { quiet: number[]; throws: number[]; quietRatio: number[]; throwRatio: number[] }>();
  try {
    await agentConnected(agent.app);
    for (const { url } of [bare, agent]) await honoSample(url); // warm-up
    for (let round = 1; round <= rounds; round++) {
      ctx.progress(`exception-pause: Hono round ${round}/${rounds}`);
      const measured: Record<string, { quiet: number; throws: number }> = {};
      measured.bare = await honoSample(bare.url);
      measured.none = await honoSample(agent.url);
      const id = await api.addAction({ type: 'exception', agents: [HONO_AGENT_ID], ratePerMinute: 600, maxHits: 10_000 });
      const installed = await api.waitForStatus(id, HONO_AGENT_ID, 'installed');
      if (!/^breakpoint path/.test(installed.message ?? ''))
        throw new Error(`the exception action took another path: ${installed.message}`);
      measured.exception = await honoSample(agent.url);
      const status = (await api.action(id)).statuses.find((st) => st.agentId === HONO_AGENT_ID);
      if (status?.message !== undefined && /uncaught errors only/.test(status.message))
        throw new Error(`the exception action fell back to uncaught errors during the measurement: ${status.message}`);
      await api.deleteAction(id);
      await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove exception action ${id}`);
      for (const key of keys) {
        const entry = samples.get(key) ?? { quiet: [], throws: [], quietRatio: [], throwRatio: [] };
        entry.quiet.push(measured[key]!.quiet);
        entry.throws.push(measured[key]!.throws);
        entry.quietRatio.push(measured[key]!.quiet / measured.none.quiet);
        entry.throwRatio.push(measured[key]!.throws / measured.none.throws);
        samples.set(key, entry);
      }
    }
  } finally {
    events.close();
    await Promise.all([bare.app.stop(), agent.app.stop()]);
    await Promise.all([cp.stop(), sink.stop()]);
  }
  const labels = {
    bare: 'Hono app without the agent',
    none: 'with the agent, no action',
    exception: 'with the agent and an exception action (breakpoint path)',
  };
  const rows = keys.map((key) => {
    const s = samples.get(key)!;
    return [labels[key], duration(median(s.quiet)), ratio(median(s.quietRatio)), duration(median(s.throws)), ratio(median(s.throwRatio))];
  });
  return [
    renderTable(
      ['Hono app', 'GET /ok: per request', 'ratio', 'GET /refused (403 from a thrown HTTPException): per request', 'ratio'],
      rows,
      ['left', 'right', 'right', 'right', 'right'],
    ),
    `A Hono app's requests (bench/fixtures/hono-app.cjs on @hono/node-server), one at a time from the bench process over keep-alive: median of ${rounds} rounds of ${HONO_QUIET_REQUESTS} requests to /ok and ${BURSTS_PER_ROUND} bursts of ${BURST} to /refused a second apart; ratios to the app with the agent and no action, in the same round.`,
  ];
}

/** The session's side: pause state from the main thread; on a pause, optionally read a local, then resume. */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { Session } = require('node:inspector/promises');
let session;
parentPort.on('message', async ({ state, capture }) => {
  if (session !== undefined) { try { session.disconnect(); } catch {} session = undefined; }
  if (state !== 'off') {
    session = new Session();
    session.connectToMainThread();
    const own = session;
    own.on('Debugger.paused', async ({ params }) => {
      try {
        if (capture) {
          await own.post('Debugger.evaluateOnCallFrame', { callFrameId: params.callFrames[0].callFrameId, expression: 'JSON.stringify([order, quantity])' });
        }
        await own.post('Debugger.resume');
      } catch {
        // the variant ended: the session closed, which released the pause
      }
    });
    await session.post('Debugger.enable');
    await session.post('Debugger.setPauseOnExceptions', { state });
  }
  parentPort.postMessage('ready');
});`;

const VARIANTS = [
  { key: 'off', label: 'no inspector session', state: 'off', capture: false },
  { key: 'none', label: 'session, pause on exceptions off', state: 'none', capture: false },
  { key: 'uncaught', label: "session, pause on uncaught exceptions ('uncaught')", state: 'uncaught', capture: false },
  { key: 'all', label: "session, pause on every exception ('all'), resumed at once", state: 'all', capture: false },
  { key: 'capture', label: "'all', reading the throwing frame's locals before resuming", state: 'all', capture: true },
] as const;

function fail(order: { id: number; amount: number }, quantity: number): never {
  throw new Error(`order ${order.id}: ${quantity} is too many`);
}

function work(order: { id: number; amount: number }, quantity: number): number {
  return JSON.stringify({ ...order, quantity }).length;
}

/** ns per call of `task`, over about `targetMs`. */
function measure(task: (i: number) => void, count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) task(i);
  return Number(process.hrtime.bigint() - start) / count;
}

const WORKLOADS = [
  { key: 'quiet', label: 'no error thrown (a small function)', count: 200_000, task: (i: number) => void work({ id: i, amount: 9 }, 2) },
  {
    key: 'throws',
    label: 'an Error thrown and caught',
    count: 300,
    task: (i: number) => {
      try {
        fail({ id: i, amount: 9 }, 2);
      } catch {
        // the caller handles it, as a framework's error handler would
      }
    },
  },
] as const;

const benchmark: Benchmark = {
  name: 'exception-pause',
  title: 'Exception actions: what a caught error costs (breakpoint path and prepared path)',
  async run(ctx): Promise<Report> {
    const agent = await finishedAction(ctx, ctx.options.rounds ?? 3);
    const hono = await honoRequests(ctx, ctx.options.rounds ?? 3);
    const rounds = ctx.options.rounds ?? 7;
    const worker = new Worker(WORKER, { eval: true });
    const use = (state: string, capture: boolean) =>
      new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.postMessage({ state, capture });
      });
    const samples = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`exception-pause: round ${round + 1}/${rounds}`);
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      const measured = new Map<string, number>();
      for (const variant of order) {
        await use(variant.state, variant.capture);
        for (const workload of WORKLOADS) {
          measure(workload.task, Math.ceil(workload.count / 10)); // warm-up
          measured.set(`${variant.key}/${workload.key}`, measure(workload.task, workload.count));
        }
      }
      for (const [key, ns] of measured) {
        samples.set(key, [...(samples.get(key) ?? []), ns]);
        const base = measured.get(`off/${key.split('/')[1]}`)!;
        ratios.set(key, [...(ratios.get(key) ?? []), ns / base]);
      }
    }
    await use('off', false);
    await worker.terminate();
    const rows = VARIANTS.map((v) =>
      WORKLOADS.flatMap((w) => [duration(median(samples.get(`${v.key}/${w.key}`)!)), ratio(median(ratios.get(`${v.key}/${w.key}`)!))]),
    ).map((cells, i) => [VARIANTS[i]!.label, ...cells]);
    return {
      blocks: [
        ...agent,
        renderTable(['variant', 'no error: per call', 'ratio', 'thrown and caught: per throw', 'ratio'], rows, [
          'left',
          'right',
          'right',
          'right',
          'right',
        ]),
        `The mechanism alone (a bare inspector session in the same process): median of ${rounds} interleaved rounds; ratios to no session in the same round. ${WORKLOADS[0].count} calls and ${WORKLOADS[1].count} throws per sample.`,
        ...hono,
      ],
    };
  },
};

export default benchmark;
