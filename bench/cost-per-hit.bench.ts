/**
 * What one hit costs the app's main thread: a small function called in a loop, with no agent,
 * with the agent loaded but idle, with a log, snapshot or counter action on its line (install
 * path 1: a conditional breakpoint that never pauses), and with a log or counter action on the
 * same line prepared (install path 2), beside the floor: the same line written by hand into a
 * ring buffer. Quotas are off in the probed apps, so every call is a hit. Rounds interleave the
 * apps so drift on a busy machine hits every row alike; ratios are taken within a round. Rows
 * that can repeat (no hit limit in the way) run many short batches back to back and keep the
 * least wall time, so a round reads what the calls cost, not what else ran meanwhile. Where
 * valgrind is installed, the prepared hits and the hand-written line are also counted in
 * instructions on the main thread (bench/lib/hit-instructions.ts), which no load changes.
 * LIVEPROBE_BENCH_BASELINE=<another build's agent/dist> adds that build's agent in a fourth app,
 * the probed file prepared, whose prepared rows run right after this build's in each round.
 */
import { fromRoot, lineOf, otlpReceiver, type Child } from '@liveprobe/harness';
import type { ActionInput } from '@liveprobe/protocol';
import { agentConnected, startFixtureApp } from './lib/apps.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { startBenchControlPlane } from './lib/control-plane.js';
import { ControlPlaneApi, isStatus } from './lib/control-plane-api.js';
import { duration, ms, ratio, range } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';
import { atMost, verdictAtMost } from './lib/targets.js';
import { hasValgrind } from './lib/callgrind.js';
import { instructionsPerHit } from './lib/hit-instructions.js';
import { baselineRegister } from './lib/baseline-agent.js';

const FILE = 'bench/fixtures/hot-path.mjs';
const AGENT_ID = 'bench-cost-per-hit';
const PREPARED_ID = 'bench-cost-per-hit-prepared';
const BASELINE_ID = 'bench-cost-per-hit-prepared-baseline';
const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;
/** A line the loop never calls, for the action that keeps the session open while the others come and go. */
const KEEPER_FILE = 'bench/fixtures/frame-small.mjs';

interface Probe {
  key: string;
  label: string;
  action: (line: number) => ActionInput;
  /** Calls measured; at most the action's hit limit minus the warm-up. */
  calls: number;
  warmup: number;
  /** The loop and the line's marker in FILE, when not `plain`'s line. */
  on?: { loop: string; marker: string };
}

const PROBES: Probe[] = [
  {
    key: 'log',
    label: 'log action on the line (conditional breakpoint), quotas off',
    calls: 2000,
    warmup: 100,
    action: (line) => ({
      type: 'log',
      file: FILE,
      line,
      template: 'order {order.id} total {total}',
      agents: [AGENT_ID],
      maxHits: 1_000_000,
    }),
  },
  {
    key: 'snapshot',
    label: 'snapshot action on the line (maxHits 1000), quotas off',
    calls: 500,
    warmup: 20,
    action: (line) => ({ type: 'snapshot', file: FILE, line, agents: [AGENT_ID], maxHits: 1000 }),
  },
  {
    key: 'counter',
    label: 'counter action on the line, quotas off',
    calls: 2000,
    warmup: 100,
    action: (line) => ({ type: 'counter', file: FILE, line, name: 'bench.hot.calls', agents: [AGENT_ID] }),
  },
];

interface Measured {
  nsPerCall: number;
  calls: number;
}

/**
 * Batches per measurement of a row that can repeat, each about BATCH_MS long; the round's value
 * is the least wall time per call of them. The thread's CPU clock (/proc/thread-self/schedstat)
 * advances in scheduler ticks (4 ms here) while a thread runs on, too coarse for a batch of
 * counter hits (~1 ms; a round read 0 ns or twice the cost by which side of a tick it fell),
 * and a batch that short is often left alone by the scheduler: the least of many is one that was.
 */
const BATCHES = 20;
const BATCH_MS = 1;

/**
 * Install path 2: actions on the prepared line, in BATCHES batches of ~1 ms: warm-up and batches
 * stay within the counter's default limit of 1,000,000 hits (and the log's maxHits).
 */
const PREPARED: Probe[] = [
  { ...PROBES[0]!, key: 'site-log', label: 'log action on the line prepared (prepared site), quotas off', calls: 10_000, warmup: 200_000 },
  {
    ...PROBES[2]!,
    key: 'site-counter',
    label: 'counter action on a line prepared (prepared site; no log ever ran there), quotas off',
    on: { loop: 'counted', marker: 'counted' },
    calls: 40_000,
    warmup: 150_000,
  },
];

/** Hits per callgrind run (and twice as many): the slope between them is one hit. */
const INSTRUCTION_HITS = 200_000;
/**
 * The rows counted in instructions: a row's key, its scripts/hit-path-loop.mjs variant, label and
 * loop options. The counter is counted twice: on a line that never carried a log, and after a
 * log on its line came and went (as in the rounds above, where the log's row runs first): a
 * counter hit that called into the agent cost more there; one counted in place (`$lpK[n]++`)
 * calls nothing, and the two counts show whether the log's past still reaches it.
 */
const INSTRUCTION_ROWS: Array<{ key: string; variant: string; label: string; env?: Record<string, string> }> = [
  { key: 'hand', variant: 'hand', label: 'the line by hand into a ring buffer (no agent)' },
  { key: 'site-counter', variant: 'site-counter', label: 'counter hit on the prepared line (no log on it before)' },
  {
    key: 'site-counter-after-log',
    variant: 'site-counter',
    label: 'counter hit on the prepared line after 100,000 log hits there, the log removed',
    env: { HIT_PATH_LOOP_LOG_FIRST: '100000' },
  },
  { key: 'site-log', variant: 'site-log', label: 'log hit on the prepared line' },
];

/** What the issue asks of a prepared hit on the main thread (issue 21), beside the figures. */
/** As the Targets table judges: on every round, not on the median. */
const VERDICT_WORDS = { yes: 'met', no: 'not met', unresolved: 'unresolved: rounds on both sides' } as const;

const TARGET_NS: Record<string, number> = { 'site-log': 150, 'site-counter': 30 };
const TARGET_WORDS: Record<string, string> = {
  'site-log': 'a log hit on a prepared site ≤ 150 ns on the main thread',
  'site-counter': 'a counter hit on a prepared site ≤ 30 ns on the main thread',
};

/**
 * Per call: the least wall time of BATCHES short batches; for one long batch (`batches: 1`), the
 * main thread's CPU time where the app can read it (Linux), otherwise wall time.
 */
const measure = async (app: Child, loop: string, fields: { calls?: number; warmup?: number; batches?: number } = {}): Promise<Measured> => {
  const batches = fields.batches ?? BATCHES;
  const measured = await app.ipc.request<Measured & { cpuNsPerCall?: number }>('measure', {
    loop,
    targetMs: BATCH_MS,
    warmup: 200_000,
    ...fields,
    batches,
  });
  return { nsPerCall: batches > 1 ? measured.nsPerCall : (measured.cpuNsPerCall ?? measured.nsPerCall), calls: measured.calls };
};

const longestDelay = async (app: Child) => (await app.ipc.request<{ maxMs: number }>('delay')).maxMs;

const benchmark: Benchmark = {
  name: 'cost-per-hit',
  title: 'Cost per hit: hand-written capture vs conditional breakpoint vs prepared site',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 5;
    const line = lineOf(FILE, 'hot');
    const keeperLine = lineOf(KEEPER_FILE, 'small-frame');
    const cp = await startBenchControlPlane();
    const sink = await otlpReceiver({ decode: false });
    const api = new ControlPlaneApi(cp.url);
    const script = fixture('probe-target.mjs');
    const bare = await startFixtureApp({ name: 'app without the agent', script });
    const probed = await startFixtureApp({
      name: 'app with the agent',
      script,
      agent: { broker: cp.mqttUrl, agentId: AGENT_ID, otlpEndpoint: sink.url, quotas: 'off' },
    });
    const preparedApp = (name: string, agentId: string, register?: string) =>
      startFixtureApp({
        name,
        script,
        agent: {
          broker: cp.mqttUrl,
          agentId,
          otlpEndpoint: sink.url,
          quotas: 'off',
          env: { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off' },
          ...(register === undefined ? {} : { register }),
        },
      });
    const prepared = await preparedApp('app with the agent, the probed file prepared', PREPARED_ID);
    const baseline =
      BASELINE === undefined
        ? undefined
        : await preparedApp('app with the baseline build of the agent, the probed file prepared', BASELINE_ID, baselineRegister(BASELINE));
    /** The prepared apps, this build's first: key suffix, agent id, app. */
    const preparedApps = [
      { suffix: '', agentId: PREPARED_ID, app: prepared },
      ...(baseline === undefined ? [] : [{ suffix: '-baseline', agentId: BASELINE_ID, app: baseline }]),
    ];
    const samples = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    /** Each row over the hand-written line of the same round: the floor. */
    const handRatios = new Map<string, number[]>();
    const firstInstallStalls: number[] = [];
    const installStalls: number[] = [];
    const idleStalls: number[] = [];
    const events = await api.events();
    try {
      await Promise.all([agentConnected(probed), ...preparedApps.map(({ app }) => agentConnected(app))]);
      for (let round = 1; round <= rounds; round++) {
        ctx.progress(`cost-per-hit: round ${round}/${rounds}`);
        const plain = (await measure(bare, 'plain')).nsPerCall;
        const hand = (await measure(bare, 'handWritten')).nsPerCall;
        const record = (key: string, ns: number) => {
          samples.set(key, [...(samples.get(key) ?? []), ns]);
          ratios.set(key, [...(ratios.get(key) ?? []), ns / plain]);
          handRatios.set(key, [...(handRatios.get(key) ?? []), ns / hand]);
        };
        record('plain', plain);
        record('hand', hand);
        record('idle', (await measure(probed, 'untouched')).nsPerCall);

        await probed.ipc.request('resetDelay');
        await new Promise((resolve) => setTimeout(resolve, 500));
        idleStalls.push(await longestDelay(probed));
        // The first action opens the inspector session; the others find it open.
        await probed.ipc.request('resetDelay');
        const keeper = await api.addAction({
          type: 'log',
          file: KEEPER_FILE,
          line: keeperLine,
          template: 'never hit here',
          agents: [AGENT_ID],
        });
        await api.waitForStatus(keeper, AGENT_ID, 'installed');
        firstInstallStalls.push(await longestDelay(probed));
        for (const probe of PROBES) {
          await probed.ipc.request('resetDelay');
          const id = await api.addAction(probe.action(line));
          await api.waitForStatus(id, AGENT_ID, 'installed');
          installStalls.push(await longestDelay(probed));
          // One batch: a breakpoint's hits are few, and its action's hit limit counts every one.
          const measured = await measure(probed, 'plain', { calls: probe.calls, warmup: probe.warmup, batches: 1 });
          const status = (await api.action(id)).statuses.find((s) => s.agentId === AGENT_ID);
          if (status?.state !== 'installed')
            throw new Error(
              `${probe.key} action ended up ${status?.state ?? 'without a status'} during the measurement: ${status?.message ?? ''}`,
            );
          record(probe.key, measured.nsPerCall);
          await api.deleteAction(id);
          await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${probe.key} action ${id}`);
        }
        await api.deleteAction(keeper);
        await events.waitFor(isStatus(keeper, 'removed'), 30_000, 'the agent to remove the last action');
        record('after', (await measure(probed, 'plain')).nsPerCall);
        for (const probe of PREPARED) {
          for (const { suffix, agentId, app } of preparedApps) {
            const id = await api.addAction({ ...probe.action(probe.on ? lineOf(FILE, probe.on.marker) : line), agents: [agentId] });
            await api.waitForStatus(id, agentId, 'installed');
            const status = (await api.action(id)).statuses.find((s) => s.agentId === agentId);
            if (status?.message !== 'prepared site (no breakpoint)')
              throw new Error(`${probe.key}${suffix} action did not take the prepared site: ${status?.message ?? 'no status'}`);
            const loop = probe.on?.loop ?? 'plain';
            record(`${probe.key}${suffix}`, (await measure(app, loop, { calls: probe.calls, warmup: probe.warmup })).nsPerCall);
            await api.deleteAction(id);
            await events.waitFor(isStatus(id, 'removed'), 30_000, `the agent to remove ${probe.key}${suffix} action ${id}`);
          }
        }
        // The plain call again at the end of the round, so a drift within the round shows.
        record('plain', (await measure(bare, 'plain')).nsPerCall);
      }
    } finally {
      events.close();
      await Promise.all([bare.stop(), probed.stop(), ...preparedApps.map(({ app }) => app.stop())]);
      await Promise.all([cp.stop(), sink.stop()]);
    }

    // After the apps stopped, so that callgrind's runs do not share the cores with them.
    const instructions = new Map<string, number>();
    if (hasValgrind()) {
      for (const { key, variant, env } of INSTRUCTION_ROWS) {
        ctx.progress(`cost-per-hit: instructions per hit, ${key} (callgrind)`);
        instructions.set(key, await instructionsPerHit(variant, INSTRUCTION_HITS, env));
      }
    }

    const plainMedian = median(samples.get('plain')!);
    const rows: Array<[string, string]> = [
      ['plain', 'plain function call, no agent'],
      ['hand', 'the same capture written by hand (template formatted into a ring buffer), no agent'],
      ['idle', 'an identical function, agent loaded, never probed (agent idle)'],
      ...PROBES.map((p): [string, string] => [p.key, p.label]),
      ['after', 'the probed function after its actions were removed (session closed)'],
      ...PREPARED.flatMap(
        (p): Array<[string, string]> => [
          [p.key, p.label],
          ...(baseline === undefined ? [] : [[`${p.key}-baseline`, `the same, baseline build (${BASELINE})`] as [string, string]]),
        ],
      ),
    ];
    const table = renderTable(
      ['mechanism', 'per call (median)', 'range over rounds', '× plain call', '× hand-written line', 'added per hit', 'target'],
      rows.map(([key, label]) => {
        const values = samples.get(key)!;
        const target = TARGET_NS[key];
        return [
          label,
          duration(median(values)),
          range(duration(min(values)), duration(max(values))),
          key === 'plain' ? '×1' : ratio(median(ratios.get(key)!)),
          key === 'hand' ? '×1' : ratio(median(handRatios.get(key)!)),
          key === 'plain' ? '—' : duration(Math.max(0, median(values) - plainMedian)),
          target === undefined ? '' : `≤ ${duration(target)} per call (${VERDICT_WORDS[verdictAtMost(values, target)]})`,
        ];
      }),
      ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
    );
    const stalls = renderTable(
      ['main thread, longest event-loop delay', 'median', 'max'],
      [
        [
          'while the first action installs (opens the inspector session: Debugger.enable reports every loaded script)',
          ms(median(firstInstallStalls)),
          ms(max(firstInstallStalls)),
        ],
        ['while another action installs (session open: script found, breakpoint set)', ms(median(installStalls)), ms(max(installStalls))],
        ['idle, 500 ms, same process (scheduling noise)', ms(median(idleStalls)), ms(max(idleStalls))],
      ],
      ['left', 'right', 'right'],
    );
    const handInstructions = instructions.get('hand');
    const counted =
      instructions.size === 0
        ? ['valgrind is not installed here: no instruction counts.']
        : [
            `Instructions per hit on the app's main thread (valgrind --tool=callgrind --separate-threads=yes over node --predictable scripts/hit-path-loop.mjs <variant> at ${INSTRUCTION_HITS} and ${2 * INSTRUCTION_HITS} hits: the main thread's difference over ${INSTRUCTION_HITS}; the same line and the same \`plain\` as above, prepared by this checkout's transform, with the hook armed as the worker arms it, no worker, quotas off). A count does not depend on the machine's load.`,
            renderTable(
              ['hit', 'instructions per hit', '× hand-written line'],
              INSTRUCTION_ROWS.map(({ key, label }) => {
                const count = instructions.get(key)!;
                return [label, count.toFixed(0), handInstructions === undefined ? '' : ratio(count / handInstructions)];
              }),
              ['left', 'right', 'right'],
            ),
          ];
    return {
      blocks: [
        `${rounds} rounds; in each, the plain call is measured at the start and end of the round and every other row in between; "× plain call" and "× hand-written line" are medians of the per-round ratios. ` +
          `Plain, hand-written, idle and after rows run ${BATCHES} batches of as many calls as fill ${BATCH_MS} ms; prepared rows ${BATCHES} batches of ${PREPARED.map((p) => `${p.calls} calls (${p.key}) after ${p.warmup} to warm up`).join(', ')}; ` +
          `per call for these is the least wall time per call of the round's batches: the thread's CPU clock (/proc/thread-self/schedstat) moves in 4 ms scheduler ticks while the thread runs on, too coarse for a millisecond's batch, and the least of ${BATCHES} short batches is one no other process interrupted. ` +
          `Breakpoint rows run one batch of ${PROBES.map((p) => `${p.calls} (${p.key})`).join(', ')} calls after ${PROBES.map((p) => p.warmup).join(', ')} to warm up (their actions' hit limits count every call); ` +
          "per call for these is the app's main-thread CPU time (Linux /proc/thread-self/schedstat, so other processes on a loaded machine do not count; wall time elsewhere). " +
          'The hand-written row is the floor a prepared hit is held to: the same line formatted into a ring buffer, no agent. Prepared rows run in a third app, the probed file prepared (LIVEPROBE_PREPARE)' +
          (baseline === undefined
            ? '. '
            : `, and the baseline build's rows (LIVEPROBE_BENCH_BASELINE) in a fourth, each right after this build's. `) +
          "The prepared counter's row runs on a line of its own, identical to the log's, where no log ever ran: a log's past hits on a line may change what a counter there costs (the instruction counts below give both cases). " +
          `Probed rows have quotas off (LIVEPROBE_QUOTA_HITS_PER_SECOND=0, LIVEPROBE_QUOTA_BYTES_PER_SECOND=0, LIVEPROBE_CPU_BUDGET_MS_PER_SECOND=0), so every call is a hit; the agent exports to a local OTLP sink.`,
        table,
        ...counted,
        stalls,
      ],
      targets: Object.entries(TARGET_NS).map(([key, limit]) =>
        atMost(
          TARGET_WORDS[key]!,
          samples.get(key)!,
          limit,
          duration,
          `the line by hand into a ring buffer: ${duration(median(samples.get('hand')!))}` +
            (instructions.has(key) && handInstructions !== undefined
              ? ` (instructions per hit: ${instructions.get(key)!.toFixed(0)}, by hand ${handInstructions.toFixed(0)})`
              : ''),
        ),
      ),
    };
  },
};

export default benchmark;
