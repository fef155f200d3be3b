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
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot, lineOf, otlpReceiver } from '@liveprobe/harness';
import { startBenchControlPlane } from '../bench/dist/lib/control-plane.js';
import { ControlPlaneApi, isStatus } from '../bench/dist/lib/control-plane-api.js';
import { appUnderCallgrind } from './app-under-callgrind.mjs';

const [session = 'startup', sparkplug] = process.argv.slice(2);
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
function parts(file) {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const found = Object.fromEntries(Object.keys(PARTS).map((k) => [k, 0]));
  for (const row of annotated.matchAll(/^\s*([\d,]+) \([^)]*\)\s+[^:\s]*:(.+?) \[[^\]]*\]$/gm)) {
    if (/'\d+$/.test(row[2])) continue;
    for (const [key, fn] of Object.entries(PARTS)) if (row[2].startsWith(fn)) found[key] += Number(row[1].replaceAll(',', ''));
  }
  return found;
}

const cp = await startBenchControlPlane();
const sink = await otlpReceiver({ decode: false });
const api = new ControlPlaneApi(cp.url);
const agentId = `install-steps-${session}`;
const { app, out, control, total } = appUnderCallgrind({
  name: 'app under callgrind',
  nodeArgs: ['--import', '@liveprobe/agent/register'],
  script: FILE,
  ipc: true,
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
  await step('idle', async () => {});
  for (const install of ['first install', 'install again']) {
    let id = '';
    await step(install, async () => {
      id = await api.addAction({ type: 'log', file: FILE, line: lineOf(FILE, 'keeper'), template: 'never hit', agents: [agentId] });
      await api.waitForStatus(id, agentId, 'installed', 600_000);
    });
    await step(`removal after ${install}`, async () => {
      await api.deleteAction(id);
      await events.waitFor(isStatus(id, 'removed'), 600_000, `the agent to remove ${id}`);
    });
  }
  events.close();
} finally {
  await app.stop();
  await Promise.all([cp.stop(), sink.stop()]);
}
console.log(
  `LIVEPROBE_INSPECTOR_SESSION=${session}${sparkplug === undefined ? '' : ` LIVEPROBE_SPARKPLUG=${sparkplug}`}, ${process.version}`,
);
console.log(['step', 'main thread', ...Object.keys(PARTS), 'busiest other thread'].join('\t'));
// Dump 1 is the warm-up; the steps follow in order. Thread 01 is the app's main thread.
steps.forEach((name, i) => {
  const files = readdirSync(out).filter((f) => f.startsWith(`cg.out.${i + 2}-`));
  const main = files.find((f) => f.endsWith('-01'));
  const others = files.filter((f) => f !== main).map(total);
  console.log(
    [name, total(main), ...Object.values(parts(join(out, main))), Math.max(...others)].map((v) => v.toLocaleString('en-US')).join('\t'),
  );
});
rmSync(out, { recursive: true, force: true });
