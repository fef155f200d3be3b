/**
 * What loading a script costs while an action waits for its file: the agent then pauses the
 * main thread before each new script runs (an instrumentation breakpoint), places what the
 * script matches, and resumes. Measured on new ES modules, new CommonJS modules, `new Function`
 * and `vm.compileFunction`, in an app without the agent and in one with the agent in three states: no
 * action (no inspector session), one installed action (session open, nothing waiting), and one
 * installed plus one waiting for a file that never loads. Rounds interleave the two apps; ratios are per round.
 */
import { lineOf, otlpReceiver, type Child } from '@liveprobe/harness';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, range, ratio } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const FILE = 'bench/fixtures/module-loads.mjs';
const AGENT_ID = 'bench-script-start';
const COUNT = 200;

const TASKS = [
  { key: 'imports', label: 'import of a new ES module' },
  { key: 'requires', label: '`require` of a new CommonJS module' },
  { key: 'functions', label: '`new Function` (compile and call)' },
  { key: 'compiled', label: '`vm.compileFunction` (compile and call, as jest loads a module)' },
];

const STATES = [
  { key: 'bare', label: 'no agent' },
  { key: 'idle', label: 'agent, no action (no inspector session)' },
  { key: 'installed', label: 'agent, one installed action (session open, nothing waiting)' },
  { key: 'waiting', label: 'agent, and one action waiting for a file not loaded (pause before each script)' },
];

const benchmark: Benchmark = {
  name: 'script-start',
  title: 'Loading scripts while an action waits for its file',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 5;
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const script = fixture('module-loads.mjs');
    const bare = await startFixtureApp({ name: 'app without the agent', script });
    const probed = await startFixtureApp({
      name: 'app with the agent',
      script,
      agent: { broker: cp.mqttUrl, agentId: AGENT_ID, otlpEndpoint: sink.url, quotas: 'default' },
    });
    /** ns per item, by task and state; ratios to the app without the agent in the same round. */
    const samples = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    const events = await api.events({ agent: AGENT_ID });
    const measureAll = async (app: Child, state: string, baseline?: Map<string, number>): Promise<Map<string, number>> => {
      const measured = new Map<string, number>();
      for (const task of TASKS) {
        const ns = (await app.ipc.request<{ nsPerItem: number }>('measureTask', { task: task.key, count: COUNT })).nsPerItem;
        measured.set(task.key, ns);
        const key = `${task.key} ${state}`;
        samples.set(key, [...(samples.get(key) ?? []), ns]);
        if (baseline !== undefined) ratios.set(key, [...(ratios.get(key) ?? []), ns / baseline.get(task.key)!]);
      }
      return measured;
    };
    try {
      await agentConnected(probed);
      // V8 compiles the module loader's own code on the first imports: out of every round.
      for (const app of [bare, probed]) for (const task of TASKS) await app.ipc.request('measureTask', { task: task.key, count: COUNT });
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`script-start: round ${round}/${rounds}`);
        const baseline = await measureAll(bare, 'bare');
        await measureAll(probed, 'idle', baseline);
        const keeper = await api.addAction({
          type: 'log',
          file: FILE,
          line: lineOf(FILE, 'keeper'),
          template: 'never hit',
          agents: [AGENT_ID],
        });
        await api.waitForStatus(keeper, AGENT_ID, 'installed');
        await measureAll(probed, 'installed', baseline);
        const waiting = await api.addAction({
          type: 'log',
          file: 'bench/fixtures/never-loaded.mjs',
          line: 1,
          template: 'never loaded',
          agents: [AGENT_ID],
        });
        await api.waitForStatus(waiting, AGENT_ID, 'pending');
        await measureAll(probed, 'waiting', baseline);
        for (const id of [waiting, keeper]) {
          await api.deleteAction(id);
          await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${id}`);
        }
      }
    } finally {
      events.close();
      await Promise.all([bare.stop(), probed.stop()]);
      await Promise.all([cp.stop(), sink.stop()]);
    }

    const table = renderTable(
      ['script loaded', 'app', 'per script (median)', 'range over rounds', '× no agent', 'added by the wait'],
      TASKS.flatMap((task) =>
        STATES.map((state) => {
          const values = samples.get(`${task.key} ${state.key}`)!;
          const added = state.key === 'waiting' ? duration(median(values) - median(samples.get(`${task.key} installed`)!)) : '—';
          return [
            task.label,
            state.label,
            duration(median(values)),
            range(duration(min(values)), duration(max(values))),
            state.key === 'bare' ? '×1' : ratio(median(ratios.get(`${task.key} ${state.key}`)!)),
            added,
          ];
        }),
      ),
      ['left', 'left', 'right', 'right', 'right', 'right'],
    );
    return {
      blocks: [
        `${rounds} rounds after one warm-up; in each, ${COUNT} scripts of each kind are loaded one after the other in every state, the app without the agent first. ` +
          '"× no agent" is the median of the per-round ratios; "added by the wait" is the waiting row minus the installed row (medians). ' +
          'The waiting action names a file that never loads, so the agent pauses before every script for the whole measurement.',
        table,
      ],
    };
  },
};

export default benchmark;
