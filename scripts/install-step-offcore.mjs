// Why the app's main thread was off a core in each install step: the app install-stall drives
// (5,000 modules, the session open from start-up unless told), its steps run under `perf record`
// of the scheduler's switches and wake-ups (system-wide, with call stacks), then each step's
// longest event-loop delay beside what Linux did with the app's thread meanwhile. A stretch off a
// core is a sleep (the thread waits for something: its event loop's epoll between turns, or a
// lock, futex) and then a wait on the run queue for a core once woken; the run-queue wait is the
// machine's (another thread had the core), a lock wait the process's own. Also each step's CPU
// of the app's other threads (the agent's worker, V8's and libuv's helper threads, which the app
// shares with the worker) and of the busiest other processes.
//
//   npm run build && node scripts/install-step-offcore.mjs [rounds]     (needs perf, and root or perf_event_paranoid ≤ 1)
//   LIVEPROBE_BENCH_BASELINE=<another build's agent/dist>: that build and this one, alternating
//   LIVEPROBE_BENCH_MODE=prepared|on-demand: the other install paths (as install-step-schedstat.mjs)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot, lineOf, otlpReceiver } from '@liveprobe/harness';
import { agentConnected, startFixtureApp } from '../bench/dist/lib/apps.js';
import { startBenchControlPlane } from '../bench/dist/lib/control-plane.js';
import { installCycle } from './install-cycle.mjs';
import { ControlPlaneApi } from '../bench/dist/lib/control-plane-api.js';
import { fixture } from '../bench/dist/lib/paths.js';
import { baselineRegister } from '../bench/dist/lib/baseline-agent.js';

const rounds = Number(process.argv[2] ?? 1);
const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;
const FILE = 'bench/fixtures/many-modules.mjs';
const MODE = process.env.LIVEPROBE_BENCH_MODE ?? 'startup';
const modeEnv =
  MODE === 'prepared' ? { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off' } : { LIVEPROBE_INSPECTOR_SESSION: MODE };
/** As install-stall: the delay is read this long after a step's status. */
const SETTLE_MS = 300;
/** Run-queue waits of the app's thread listed per step: the longest, from this long. */
const LIST_MS = 2;
const LISTED = 5;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** perf's clock (-k CLOCK_MONOTONIC) and hrtime read the same clock. */
const now = () => Number(process.hrtime.bigint()) / 1e9;

/** Scheduler events of the record, in order: switches (who left a core, in which state and where) and wake-ups. */
function schedEvents(data) {
  const text = execFileSync('perf', ['script', '-i', data, '-F', 'pid,tid,time,event,trace,ip,sym'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const events = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter(Boolean);
    const m = /^\s*(\d+)\/(\d+)\s+([\d.]+):\s+sched:(\w+):\s+(.*)$/.exec(lines[0] ?? '');
    if (m === null) continue;
    const frames = lines.slice(1).map((l) => l.trim().replace(/^\S+ /, '').replace(/\(.*$/, ''));
    events.push({ pid: Number(m[1]), tid: Number(m[2]), t: Number(m[3]), kind: m[4], trace: m[5], frames });
  }
  return events;
}

/** The app's main thread's stretches on and off a core, and every thread's time on a core. */
function stretches(events, main) {
  const out = [];
  const onSince = new Map();
  const owner = new Map();
  const names = new Map();
  let off;
  for (const e of events) {
    if (e.kind === 'sched_wakeup') {
      if (Number(/ pid=(\d+)/.exec(e.trace)?.[1]) === main && off !== undefined && off.wokeAt === undefined) off.wokeAt = e.t;
      continue;
    }
    if (e.kind !== 'sched_switch') continue;
    const m = /prev_comm=(.*?) prev_pid=(\d+) .*prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)/.exec(e.trace);
    if (m === null) continue;
    const [prev, next] = [Number(m[2]), Number(m[5])];
    owner.set(prev, e.pid);
    names.set(prev, m[1]);
    names.set(next, m[4]);
    if (onSince.has(prev)) out.push({ kind: 'core', tid: prev, from: onSince.get(prev), to: e.t });
    onSince.delete(prev);
    if (next !== 0) onSince.set(next, e.t);
    if (prev === main) off = { from: e.t, state: m[3], frames: e.frames };
    if (next === main && off !== undefined) {
      out.push({ kind: 'off', ...off, to: e.t });
      off = undefined;
    }
  }
  return { out, owner, names };
}

/** Where the thread went to sleep: the first frames past the scheduler's own. */
const where = (frames) =>
  frames
    .filter((f) => !/^(__schedule|schedule|finish_task_switch|entry_SYSCALL|do_syscall_64|\[unknown\])/.test(f))
    .slice(0, 8)
    .join(' < ');

function report(label, pid, marks, data) {
  const { out, owner, names } = stretches(schedEvents(data), pid);
  const ms = (s) => (s * 1e3).toFixed(2);
  console.log(`\n${label}`);
  for (const step of marks) {
    const clip = (s) => Math.max(0, Math.min(s.to, step.t1) - Math.max(s.from, step.t0));
    const inStep = out.filter((s) => s.to > step.t0 && s.from < step.t1);
    const onCore = new Map();
    for (const s of inStep.filter((x) => x.kind === 'core')) onCore.set(s.tid, (onCore.get(s.tid) ?? 0) + clip(s));
    const offs = inStep.filter((s) => s.kind === 'off');
    // Woken (or preempted, state R) to back on a core: the wait for a core.
    const queued = offs.map((s) => ({ ...s, wait: s.to - (s.state.startsWith('R') ? s.from : (s.wokeAt ?? s.to)) }));
    const lockWaits = offs.filter((s) => !s.state.startsWith('R') && !/epoll/.test(where(s.frames)));
    const app = [...onCore].filter(([tid]) => owner.get(tid) === pid && tid !== pid).sort((a, b) => b[1] - a[1]);
    const others = [...onCore].filter(([tid]) => owner.get(tid) !== pid).sort((a, b) => b[1] - a[1]);
    // The control plane and this script (the bench's side: its REST calls and the OTLP sink) by name.
    KNOWN.set(pid, "the app's ");
    const longest = queued.reduce((a, b) => (b.wait > a.wait ? b : a), { wait: 0 });
    console.log(
      `${step.name}: delay ${step.maxMs.toFixed(2)} ms; main thread on a core ${ms(onCore.get(pid) ?? 0)} ms, ` +
        `on the run queue ${ms(queued.reduce((a, s) => a + s.wait, 0))} ms (longest ${ms(longest.wait)}), ` +
        `asleep on something else than its event loop ${ms(lockWaits.reduce((a, s) => a + ((s.wokeAt ?? s.to) - s.from), 0))} ms in ${lockWaits.length}`,
    );
    for (const s of lockWaits.filter((x) => (x.wokeAt ?? x.to) - x.from >= 0.0002))
      console.log(`  asleep ${ms((s.wokeAt ?? s.to) - s.from)} ms at +${ms(s.from - step.t0)}: ${where(s.frames)}`);
    for (const s of queued
      .filter((x) => x.wait * 1e3 >= LIST_MS)
      .sort((a, b) => b.wait - a.wait)
      .slice(0, LISTED))
      console.log(
        `  run queue ${ms(s.wait)} ms at +${ms(s.from - step.t0)} (${s.state.startsWith('R') ? `preempted in ${where(s.frames)}` : 'woken'})`,
      );
    if (longest.wait > 0) {
      // Who had the cores while the app's thread waited longest for one.
      const [from, to] = [longest.to - longest.wait, longest.to];
      const held = new Map();
      for (const c of out.filter((x) => x.kind === 'core' && x.to > from && x.from < to))
        held.set(c.tid, (held.get(c.tid) ?? 0) + Math.min(c.to, to) - Math.max(c.from, from));
      const whose = (tid) => `${KNOWN.get(owner.get(tid)) ?? ''}${names.get(tid)}/${tid}`;
      const top = [...held].sort((a, b) => b[1] - a[1]).slice(0, 4);
      console.log(`  the cores during its longest wait: ${top.map(([tid, v]) => `${whose(tid)} ${ms(v)}`).join(', ')} ms`);
    }
    console.log(`  the app's other threads: ${app.map(([tid, s]) => `${names.get(tid)}/${tid} ${ms(s)}`).join(', ') || 'none'} ms`);
    console.log(
      `  busiest other processes' threads: ${others
        .slice(0, 5)
        .map(([tid, s]) => `${names.get(tid)}/${tid} ${ms(s)}`)
        .join(', ')} ms`,
    );
  }
}

const cp = await startBenchControlPlane();
/** Processes named in the report: the control plane, this script (the bench's REST calls and OTLP sink), each app in turn. */
const KNOWN = new Map([
  [cp.pid, 'the control plane: '],
  [process.pid, 'this script: '],
]);
const sink = await otlpReceiver({ decode: false });
const api = new ControlPlaneApi(cp.url);
const line = lineOf(FILE, 'keeper');
const dir = mkdtempSync(join(tmpdir(), 'liveprobe-offcore-'));
try {
  for (let round = 0; round < rounds; round++) {
    const builds = BASELINE === undefined ? ['this'] : round % 2 === 0 ? ['baseline', 'this'] : ['this', 'baseline'];
    for (const build of builds) {
      const agentId = `install-offcore-${build}-${round}`;
      // The modules install-stall writes (run it, or install-step-instructions.mjs, once first).
      const app = await startFixtureApp({
        name: agentId,
        script: fixture('many-modules.mjs'),
        env: { MODULES_DIR: join(tmpdir(), 'liveprobe-install-stall'), MODULES: '5000' },
        agent: {
          broker: cp.mqttUrl,
          agentId,
          otlpEndpoint: sink.url,
          quotas: 'default',
          env: modeEnv,
          ...(build === 'baseline' ? { register: baselineRegister(BASELINE) } : {}),
        },
      });
      const data = join(dir, `${agentId}.data`);
      const marks = [];
      const events = await api.events({ agent: agentId });
      let perf;
      try {
        await agentConnected(app);
        perf = spawn(
          'perf',
          [
            'record',
            '-q',
            '-k',
            'CLOCK_MONOTONIC',
            '-e',
            'sched:sched_switch',
            '-e',
            'sched:sched_wakeup',
            '-g',
            '-a',
            '-m',
            '8M',
            '-o',
            data,
          ],
          {
            stdio: 'inherit',
          },
        );
        // perf's own start (its buffers for every core) before the first step.
        await sleep(4000);
        const step = async (name, act) => {
          await app.ipc.request('resetDelay');
          const t0 = now();
          await act();
          await sleep(SETTLE_MS);
          const { maxMs } = await app.ipc.request('delay');
          marks.push({ name, t0, t1: now(), maxMs });
        };
        await installCycle({ step, api, events, file: FILE, line, agentId });
      } finally {
        events.close();
        const exited = perf === undefined ? Promise.resolve() : new Promise((resolve) => perf.on('exit', resolve));
        perf?.kill('SIGINT');
        await exited;
        await app.stop();
      }
      report(`round ${round + 1}, ${build === 'baseline' ? `baseline (${BASELINE})` : 'this build'}, ${MODE}`, app.pid, marks, data);
    }
  }
} finally {
  await Promise.all([cp.stop(), sink.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
