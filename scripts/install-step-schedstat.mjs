// Each install step's longest event-loop delay in the app install-stall drives (5,000 modules,
// the session open from start-up), beside what the app's main thread did meanwhile as Linux
// counts it (/proc/<pid>/task/<pid>/schedstat): its CPU time, its time waiting on the run queue
// for a core, and its time slices. A delay the thread's own CPU does not explain is a wait for a
// core (docs/BENCHMARKS.md, install stall). The two values of one setting alternate, a fresh app
// each round (LIVEPROBE_SPARKPLUG on and off unless told); "other threads" is the CPU of the
// process's other threads (the agent's worker, V8's and libuv's helpers) in the step.
//
//   npm run build && node scripts/install-step-schedstat.mjs [rounds] [SETTING=a,b]
//   node scripts/install-step-schedstat.mjs 4 LIVEPROBE_WORKER_NICE=0,10
//   LIVEPROBE_BENCH_BASELINE=<another build's agent/dist> node scripts/install-step-schedstat.mjs 4
//     (that build against this one, each with its defaults)
//   LIVEPROBE_BENCH_MODE=prepared LIVEPROBE_BENCH_BASELINE=<another build's agent/dist> node scripts/install-step-schedstat.mjs 3
//     (the session on demand, the file prepared as it loads: the action is a prepared site;
//     LIVEPROBE_BENCH_MODE=on-demand, the session on demand with a breakpoint; default startup)
// "longest turn's CPU" is the most CPU time the app's thread ran between two turns of a 1 ms
// timer in the app (BENCH_TURN_CPU, bench/fixtures/ipc-driver.mjs): the longest stretch of work
// without a return to the event loop, which a wait for a core does not inflate.
import { readdir, readFile } from 'node:fs/promises';
import { fromRoot, lineOf, otlpReceiver } from '@liveprobe/harness';
import { agentConnected, startFixtureApp } from '../bench/dist/lib/apps.js';
import { startBenchControlPlane } from '../bench/dist/lib/control-plane.js';
import { installCycle } from './install-cycle.mjs';
import { ControlPlaneApi } from '../bench/dist/lib/control-plane-api.js';
import { fixture } from '../bench/dist/lib/paths.js';
import { baselineRegister } from '../bench/dist/lib/baseline-agent.js';

const rounds = Number(process.argv[2] ?? 4);
const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;
const [setting, values] = (BASELINE === undefined ? (process.argv[3] ?? 'LIVEPROBE_SPARKPLUG=on,off') : 'build=baseline,this').split('=');
const [first, second] = values.split(',');
const FILE = 'bench/fixtures/many-modules.mjs';
const MODE = process.env.LIVEPROBE_BENCH_MODE ?? 'startup';
const modeEnv =
  MODE === 'prepared' ? { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off' } : { LIVEPROBE_INSPECTOR_SESSION: MODE };
/** As install-stall: the delay is read this long after a step's status. */
const SETTLE_MS = 300;
const cp = await startBenchControlPlane();
const sink = await otlpReceiver({ decode: false });
const api = new ControlPlaneApi(cp.url);
const line = lineOf(FILE, 'keeper');
const schedstat = async (pid, tid = pid) => (await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'latin1')).split(' ').map(Number);
/** CPU time of every thread of the process but its main one (threads that ended meanwhile are not counted). */
const othersCpu = async (pid) => {
  const threads = (await readdir(`/proc/${pid}/task`)).filter((tid) => tid !== String(pid));
  const times = await Promise.all(
    threads.map((tid) =>
      schedstat(pid, tid).then(
        ([cpu]) => cpu,
        () => 0,
      ),
    ),
  );
  return times.reduce((a, b) => a + b, 0);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (ns) => (ns / 1e6).toFixed(1);
try {
  for (let round = 0; round < rounds; round++) {
    for (const value of round % 2 === 0 ? [first, second] : [second, first]) {
      const agentId = `install-schedstat-${value}-${round}`;
      // The modules install-stall writes (run it, or install-step-instructions.mjs, once first).
      const app = await startFixtureApp({
        name: agentId,
        script: fixture('many-modules.mjs'),
        env: { MODULES_DIR: '/tmp/liveprobe-install-stall', MODULES: '5000', BENCH_TURN_CPU: '1' },
        agent: {
          broker: cp.mqttUrl,
          agentId,
          otlpEndpoint: sink.url,
          quotas: 'default',
          env: { ...modeEnv, ...(BASELINE === undefined ? { [setting]: value } : {}) },
          ...(value === 'baseline' ? { register: baselineRegister(BASELINE) } : {}),
        },
      });
      const events = await api.events({ agent: agentId });
      const rows = [];
      const step = async (name, act) => {
        await app.ipc.request('resetDelay');
        const [cpu0, wait0, slices0] = await schedstat(app.pid);
        const others0 = await othersCpu(app.pid);
        await act();
        await sleep(SETTLE_MS);
        const [cpu1, wait1, slices1] = await schedstat(app.pid);
        const others1 = await othersCpu(app.pid);
        const { maxMs, turnCpuMaxMs } = await app.ipc.request('delay');
        rows.push(
          `${name}: delay ${maxMs.toFixed(1)} ms, longest turn's CPU ${turnCpuMaxMs.toFixed(2)} ms, CPU ${ms(cpu1 - cpu0)} ms, run-queue wait ${ms(wait1 - wait0)} ms, ${slices1 - slices0} slices, other threads' CPU ${ms(others1 - others0)} ms`,
        );
      };
      try {
        await agentConnected(app);
        await installCycle({ step, api, events, file: FILE, line, agentId });
      } finally {
        events.close();
        await app.stop();
      }
      console.log(`round ${round + 1}, ${setting}=${value}\n  ${rows.join('\n  ')}`);
    }
  }
} finally {
  await Promise.all([cp.stop(), sink.stop()]);
}
