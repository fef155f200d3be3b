/**
 * The agent's memory: one app without the agent, one with the agent idle, one with the agent
 * and 100 active log actions (one per function), measured side by side; then a soak in which
 * 10 of those actions fire steadily (default quotas) while the no-agent app runs the same
 * calls, sampling RSS and the heap after a full GC (docs/architecture.md §8: the V8 inspector keeps
 * memory for breakpoint conditions; memory must stay flat).
 */
import { otlpReceiver, waitFor, type Child, type SseEvent } from '@liveprobe/harness';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi } from './lib/control-plane-api.js';
import { mib, sig, signedMib } from './lib/format.js';
import { addLogActions, FUNCTIONS, hundredFunctions, SCRIPT_NAME } from './lib/hundred-functions.js';
import { slope } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const FIRING = 10;
/**
 * Calls per second of each firing function: 10 × 15 = 150 hits/s, under the default CPU budget
 * (50 ms/s, each hit counted as 150 µs plus the hook's own time).
 */
const CALLS_PER_SECOND = 15;
const AGENT_IDLE = 'bench-memory-idle';
const AGENT_ACTIONS = 'bench-memory-actions';

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

const memoryOf = (app: Child) => app.ipc.request<Memory>('memory', { gc: true });

const benchmark: Benchmark = {
  name: 'memory-soak',
  title: 'Agent memory with 100 active actions, and RSS over a soak',
  async run(ctx): Promise<Report> {
    const soakSeconds = ctx.options.soakSeconds;
    const interval = Math.max(5, Math.round(soakSeconds / 12));
    const dir = await mkdtemp(join(tmpdir(), 'liveprobe-bench-memory-'));
    const { source, lines } = hundredFunctions();
    const script = join(dir, SCRIPT_NAME);
    await writeFile(script, source);
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const apps: Child[] = [];
    const events = await api.events({ agent: AGENT_ACTIONS });
    const start = async (name: string, agentId?: string) => {
      const app = await startFixtureApp({
        name,
        script,
        execArgv: ['--expose-gc'],
        ...(agentId === undefined ? {} : { agent: { broker: cp.mqttUrl, agentId, otlpEndpoint: sink.url, quotas: 'default' as const } }),
      });
      apps.push(app);
      if (agentId !== undefined) await agentConnected(app);
      return app;
    };
    const snapshots: Array<{ label: string; memory: Memory[] }> = [];
    const samples: Array<{ t: number; bare: Memory; agent: Memory; hits: number }> = [];
    let hitsCounted = (): number => 0;
    let pauses = 0;
    try {
      const bare = await start('app without the agent');
      const idle = await start('app with the agent, no action', AGENT_IDLE);
      const busy = await start('app with the agent and 100 actions', AGENT_ACTIONS);
      const trio = [bare, idle, busy];
      const measureAll = async (label: string) => snapshots.push({ label, memory: await Promise.all(trio.map(memoryOf)) });
      await measureAll('started, no action anywhere');

      ctx.progress(`memory-soak: creating ${FUNCTIONS} actions`);
      const expiresIn = `${Math.ceil((soakSeconds + 600) / 60)}m`;
      const ids = await addLogActions(api, AGENT_ACTIONS, lines, { expiresIn, maxHits: 1_000_000 });
      await waitFor(
        () =>
          new Set(
            events
              .events()
              .filter((e) => e.event === 'action_status' && e.data.state === 'installed')
              .map((e) => e.data.actionId),
          ).size === FUNCTIONS,
        120_000,
        `${FUNCTIONS} actions installed`,
        200,
      );
      const failed = events.events().filter((e) => e.event === 'action_status' && e.data.state === 'error');
      if (failed.length > 0) throw new Error(`actions failed to install: ${String(failed[0]!.data.message)}`);
      await measureAll(`${FUNCTIONS} actions installed on the third, none hit yet`);

      // Every action hit once (10 times), so each condition has run.
      for (const app of trio) for (let k = 0; k < FUNCTIONS; k++) await app.ipc.request('measure', { loop: `f${k}`, calls: 10 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await measureAll('each action hit 10 times');

      const idsSet = new Set(ids);
      const mine = (e: SseEvent) => idsSet.has(String(e.data.actionId));
      let hits = 0;
      const off = events.on((e) => {
        if (!mine(e)) return;
        if (e.event === 'output') hits++;
        else if (e.event === 'dropped') hits += Number(e.data.count ?? 0);
      });
      hitsCounted = () => hits;
      events.clear();
      ctx.progress(
        `memory-soak: soak of ${soakSeconds} s, ${FIRING} actions firing ${CALLS_PER_SECOND} times a second each, a sample every ${interval} s`,
      );
      const names = Array.from({ length: FIRING }, (_, k) => `f${k}`);
      await Promise.all([bare, busy].map((app) => app.ipc.request('drive', { names, perSecond: CALLS_PER_SECOND })));
      const started = Date.now();
      for (let t = 0; t <= soakSeconds; t += interval) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + t * 1000 - Date.now())));
        const [bareMemory, agentMemory] = await Promise.all([memoryOf(bare), memoryOf(busy)]);
        samples.push({ t: (Date.now() - started) / 1000, bare: bareMemory, agent: agentMemory, hits });
        ctx.progress(`memory-soak: ${Math.round((Date.now() - started) / 1000)} s, agent RSS ${mib(agentMemory.rss)}, ${hits} hits`);
      }
      await Promise.all([bare, busy].map((app) => app.ipc.request('stopDrive')));
      off();
      pauses = events.events().filter((e) => e.event === 'action_status' && e.data.state === 'paused').length;
      await measureAll(`after the soak (${sig(hits)} hits)`);

      // Does the memory go when the last action does (the agent then closes its inspector session)?
      events.clear();
      for (const id of ids) await api.deleteAction(id);
      await waitFor(
        () => events.events().filter((e) => e.event === 'action_status' && e.data.state === 'removed').length >= FUNCTIONS,
        120_000,
        'every action removed',
        200,
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await measureAll('all actions removed (inspector session closed)');
    } finally {
      events.close();
      await Promise.all(apps.map((app) => app.stop()));
      await Promise.all([cp.stop(), sink.stop()]);
      await rm(dir, { recursive: true, force: true });
    }

    const memoryTable = renderTable(
      [
        'moment',
        'no agent: RSS / heap',
        'agent idle: RSS / heap',
        'agent, 100 actions: RSS / heap',
        '100 actions vs agent idle (RSS / heap)',
        'agent idle vs no agent (RSS / heap)',
      ],
      snapshots.map(({ label, memory: [bare, idle, busy] }) => [
        label,
        `${mib(bare!.rss)} / ${mib(bare!.heapUsed)}`,
        `${mib(idle!.rss)} / ${mib(idle!.heapUsed)}`,
        `${mib(busy!.rss)} / ${mib(busy!.heapUsed)}`,
        `${signedMib(busy!.rss - idle!.rss)} / ${signedMib(busy!.heapUsed - idle!.heapUsed)}`,
        `${signedMib(idle!.rss - bare!.rss)} / ${signedMib(idle!.heapUsed - bare!.heapUsed)}`,
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right'],
    );
    const soakTable = renderTable(
      ['t', 'hits so far', 'agent + 100 actions: RSS', 'heap after GC', 'no agent: RSS', 'heap after GC'],
      samples.map((s) => [
        `${Math.round(s.t)} s`,
        sig(s.hits),
        mib(s.agent.rss),
        mib(s.agent.heapUsed),
        mib(s.bare.rss),
        mib(s.bare.heapUsed),
      ]),
      ['right', 'right', 'right', 'right', 'right', 'right'],
    );
    // Least squares over every sample: RSS moves in steps (heaps grow, then a GC gives pages
    // back), so a short window would mostly measure where the step fell.
    const perMinute = (pick: (s: (typeof samples)[number]) => number) =>
      (slope(
        samples.map((s) => s.t),
        samples.map(pick),
      ) *
        60) /
      1024 /
      1024;
    const spread = (pick: (s: (typeof samples)[number]) => number) =>
      `${mib(Math.min(...samples.map(pick)))} – ${mib(Math.max(...samples.map(pick)))}`;
    const firstLast = (pick: (s: (typeof samples)[number]) => number) => `${mib(pick(samples[0]!))} → ${mib(pick(samples.at(-1)!))}`;
    const slopes = renderTable(
      ['over the soak', 'RSS min – max', 'RSS slope', 'RSS first → last', 'heap after GC: slope', 'heap first → last'],
      [
        [
          'agent + 100 actions (10 firing)',
          spread((s) => s.agent.rss),
          `${sig(perMinute((s) => s.agent.rss))} MiB/min`,
          firstLast((s) => s.agent.rss),
          `${sig(perMinute((s) => s.agent.heapUsed))} MiB/min`,
          firstLast((s) => s.agent.heapUsed),
        ],
        [
          'no agent, same calls',
          spread((s) => s.bare.rss),
          `${sig(perMinute((s) => s.bare.rss))} MiB/min`,
          firstLast((s) => s.bare.rss),
          `${sig(perMinute((s) => s.bare.heapUsed))} MiB/min`,
          firstLast((s) => s.bare.heapUsed),
        ],
      ],
      ['left', 'right', 'right', 'right', 'right', 'right'],
    );
    return {
      blocks: [
        `Three copies of a generated module of ${FUNCTIONS} small functions, started side by side (\`node --expose-gc\`): without the agent, with the agent and no action, with the agent and ${FUNCTIONS} log actions (one per function, default quotas). ` +
          "Heap is the main thread's `heapUsed` right after `global.gc()` (the agent's worker thread has its own heap, seen only in RSS); RSS is the whole process's resident set.",
        memoryTable,
        `Soak: ${soakSeconds} s, ${FIRING} of the ${FUNCTIONS} actions fire ${CALLS_PER_SECOND} times a second each (${FIRING * CALLS_PER_SECOND} hits/s, meant to stay under the default quotas; a pause, if any, is counted below); the no-agent app makes the same calls. ` +
          `A sample every ${interval} s; ${sig(hitsCounted())} hits captured in all (live output plus the output counted as dropped), ${pauses} quota pauses.`,
        soakTable,
        slopes,
      ],
    };
  },
};

export default benchmark;
