// Main-thread instructions of each step of an install, removal and install again, counted by
// callgrind in the app install-stall drives (bench/fixtures/many-modules.mjs, 5,000 modules,
// the agent loaded as a user loads it): a figure the machine's load does not change, where the
// event-loop delays install-stall reads on a busy machine move with the load. Instrumentation
// is switched on once the agent is connected and each step is dumped (callgrind_control -d) 3 s
// after its status; for each step it prints the main thread's instructions, those inside the
// inspector's command dispatch (V8 serving the worker's commands), inside V8's baseline-code
// discard (a walk over the heap), and inside the worker's messages, then the agent's worker.
//
//   npm run build && node scripts/install-step-instructions.mjs <on-demand|startup|prepared> [LIVEPROBE_SPARKPLUG]
//   (`prepared`: the session on demand, the file prepared as it loads: the action is a prepared site)
//   node scripts/install-step-instructions.mjs startup on     # the session at start-up, Sparkplug kept on
//   LIVEPROBE_BENCH_BASELINE=<another build's agent/dist>: that build's agent instead of this one's
//   LIVEPROBE_BENCH_KEEP=1: the dumps are kept (their directory is printed)
//   LIVEPROBE_BENCH_TURNS=1 node scripts/install-step-instructions.mjs prepared
//     (also each thread dumped as its event loop runs its due timers, `--dump-before=uv__run_timers`:
//     the main thread's longest turn, the most instructions it ran between two such moments, which
//     is what a timer waits for at most, and which of libuv's callbacks held the most of it; the
//     parts columns are left empty then: each thread dumps at each turn, every ms or so)
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot, lineOf, otlpReceiver } from '@liveprobe/harness';
import { startBenchControlPlane } from '../bench/dist/lib/control-plane.js';
import { installCycle } from './install-cycle.mjs';
import { ControlPlaneApi } from '../bench/dist/lib/control-plane-api.js';
import { baselineRegister } from '../bench/dist/lib/baseline-agent.js';
import { appUnderCallgrind } from './app-under-callgrind.mjs';

const [session = 'startup', sparkplug] = process.argv.slice(2);
const TURNS = process.env.LIVEPROBE_BENCH_TURNS === '1';
/** Another build's agent/dist to count instead of this one's. */
const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;
/** What a turn of the app's event loop began with: the callback of libuv holding the most of it. */
const ENTRIES = {
  'socket read': 'node::LibuvStreamWrap::OnUvRead',
  'socket write done': 'node::LibuvStreamWrap::AfterUvWrite',
  'handle closed': 'node::HandleWrap::OnClose',
  timers: 'node::Environment::RunTimers',
  immediates: 'node::Environment::CheckImmediate',
  'worker messages': 'node::worker::MessagePort::OnMessage',
};
const FILE = 'bench/fixtures/many-modules.mjs';
const MODULES = 5000;
const SETTLE_MS = 3000;
const PARTS = {
  inspector: 'node::inspector::MainThreadInterface::DispatchMessages',
  'heap walk': 'v8::internal::Debug::DiscardBaselineCode',
  'worker messages': 'node::worker::MessagePort::OnMessage',
};

/** The same modules install-stall writes. */
const dir = join(tmpdir(), 'liveprobe-install-stall');
if (!existsSync(join(dir, `m${MODULES - 1}.cjs`))) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < MODULES; i++) {
    const source = `'use strict';\nfunction f(a, b) {\n  const s = a + b;\n  return s * ${i};\n}\nfunction g(x) {\n  return x.map((v) => f(v, 1));\n}\nmodule.exports = { f, g };\n`;
    writeFileSync(join(dir, `m${i}.cjs`), source);
  }
}

/** Inclusive instructions of each part in one thread's dump (recursive entries left out). */
function parts(file, of = PARTS) {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const found = Object.fromEntries(Object.keys(of).map((k) => [k, 0]));
  for (const row of annotated.matchAll(/^\s*([\d,]+) \([^)]*\)\s+[^:\s]*:(.+?) \[[^\]]*\]$/gm)) {
    if (/'\d+$/.test(row[2])) continue;
    for (const [key, fn] of Object.entries(of)) if (row[2].startsWith(fn)) found[key] += Number(row[1].replaceAll(',', ''));
  }
  return found;
}

const cp = await startBenchControlPlane();
const sink = await otlpReceiver({ decode: false });
const api = new ControlPlaneApi(cp.url);
const agentId = `install-steps-${session}`;
const { app, out, control, total } = appUnderCallgrind({
  name: 'app under callgrind',
  nodeArgs: ['--import', BASELINE === undefined ? '@liveprobe/agent/register' : baselineRegister(BASELINE)],
  script: FILE,
  ipc: true,
  valgrind: TURNS ? ['--dump-before=uv__run_timers'] : [],
  env: {
    MODULES_DIR: dir,
    MODULES: String(MODULES),
    LIVEPROBE_BROKER_URL: cp.mqttUrl,
    LIVEPROBE_AGENT_ID: agentId,
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    ...(session === 'prepared'
      ? { LIVEPROBE_PREPARE: fromRoot(FILE), LIVEPROBE_PREPARE_CACHE: 'off' }
      : { LIVEPROBE_INSPECTOR_SESSION: session }),
    ...(sparkplug === undefined ? {} : { LIVEPROBE_SPARKPLUG: sparkplug }),
  },
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const steps = [];
try {
  await app.ipc.message((m) => m.ready === true, 600_000, 'the app to load its modules');
  await app.waitForMatch(/\[liveprobe\] connected to /, 600_000, 'the agent to connect');
  control('-i', 'on');
  await sleep(SETTLE_MS);
  control('-d', 'warm-up');
  const events = await api.events({ agent: agentId });
  const step = async (name, act) => {
    await act();
    await sleep(SETTLE_MS);
    control('-d', name);
    steps.push(name);
  };
  await installCycle({
    step,
    api,
    events,
    file: FILE,
    line: lineOf(FILE, 'keeper'),
    agentId,
    timeoutMs: 600_000,
    idle: 'once',
    removal: (install) => `removal after ${install}`,
  });
  events.close();
} finally {
  await app.stop();
  await Promise.all([cp.stop(), sink.stop()]);
}
console.log(
  `LIVEPROBE_INSPECTOR_SESSION=${session}${sparkplug === undefined ? '' : ` LIVEPROBE_SPARKPLUG=${sparkplug}`}, ${process.version}`,
);
/** Every dump: its number, its thread ('01' the app's main thread), and whether a turn's start triggered it (else callgrind_control). */
const dumps = readdirSync(out).flatMap((file) => {
  const m = /^cg\.out\.(\d+)-(\d+)$/.exec(file);
  return m === null ? [] : [{ file, n: Number(m[1]), thread: m[2], turn: headOf(join(out, file)).includes('--dump-before') }];
});
function headOf(path) {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(1024);
  readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  return buffer.toString('latin1');
}
const sum = (values) => values.reduce((a, b) => a + b, 0);
// Dump 1 of callgrind_control is the warm-up; the steps follow in order, each holding the turns dumped since the last.
const bounds = [...new Set(dumps.filter((d) => !d.turn).map((d) => d.n))].sort((a, b) => a - b);
const columns = ['step', 'main thread', ...Object.keys(PARTS), 'busiest other thread'];
console.log([...columns, ...(TURNS ? ['longest turn', 'turns', 'it began with'] : [])].join('\t'));
steps.forEach((name, i) => {
  const inStep = dumps.filter((d) => d.n > bounds[i] && d.n <= bounds[i + 1]);
  const main = inStep.filter((d) => d.thread === '01').map((d) => ({ ...d, total: total(d.file) }));
  const threads = [...new Set(inStep.map((d) => d.thread))].filter((t) => t !== '01');
  const others = threads.map((t) => sum(inStep.filter((d) => d.thread === t).map((d) => total(d.file))));
  // A turn's dump each ms or so (the app's event-loop delay monitor): the parts only without them.
  const found = TURNS ? [] : main.map((d) => parts(join(out, d.file)));
  const row = [
    sum(main.map((d) => d.total)),
    ...Object.keys(PARTS).map((k) => (TURNS ? '' : sum(found.map((f) => f[k])))),
    Math.max(0, ...others),
  ].map((v) => v.toLocaleString('en-US'));
  if (TURNS) {
    const longest = main.reduce((a, b) => (b.total > a.total ? b : a));
    const entries = Object.entries(parts(join(out, longest.file), ENTRIES)).sort((a, b) => b[1] - a[1]);
    row.push(longest.total.toLocaleString('en-US'), String(main.length), `${entries[0][0]} (${entries[0][1].toLocaleString('en-US')})`);
  }
  console.log([name, ...row].join('\t'));
});
// LIVEPROBE_BENCH_KEEP=1: the dumps stay, to read a turn with callgrind_annotate.
if (process.env.LIVEPROBE_BENCH_KEEP === '1') console.log(`dumps kept in ${out}`);
else rmSync(out, { recursive: true, force: true });
