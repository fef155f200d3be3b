// The agent's main-thread hit path in a loop, for instruction counts that do not depend on the
// machine's load: the built ProbeHook of a checkout, armed through its message port as the
// worker arms it, then hit N times (no inspector, no worker). `log`, `log-false`, `counter` and
// `snapshot` call the hook as a site's `$lpH` does; `site-log` and `site-counter` run the
// function `plain` of bench/fixtures/hot-path.mjs as the checkout's own transform prepares it
// (its twin, its site on the line `return total`, that site's `$lpH`), with the line
// `order {order.id} total {total}` (`site-log-string`: `order.id` a string; `site-off`: the
// prepared function with no action on it, its flags off); `hand` is the floor
// they are held to, the fixture's `handWritten` (the line formatted into a ring buffer, no agent).
// `bp-log` calls the hook as a breakpoint's condition does (`hit`), `throw-log` as one on a
// `throw` line does (`throwHit`, no exception watch on), and `throw-log-paired` the same with the
// watch on, so every other call is V8's run at the throw (main/throw-reruns.ts); `raise-log` as
// one on another line that can throw does (`raiseHit`, no exception watch on), and
// `raise-log-watched` the same with the watch on, each call reading its frame off a captured
// stack (main/raise-reruns.ts; no breakpoint condition's frame is found here, so each counts).
//
//   node scripts/hit-path-loop.mjs <checkout> <variant> <hits>
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable scripts/hit-path-loop.mjs . site-log 20000
//
// The cost of one hit is the slope between two large N: (instructions at 2N − instructions at
// N) / N, which leaves out start-up and V8's compiling; with valgrind's --separate-threads=yes,
// count the main thread's file (…-01) alone (bench/lib/hit-instructions.ts does this). With
// HIT_PATH_LOOP_CPU=1 it prints the main thread's CPU time per hit (Linux), for a run outside
// valgrind.
// Quotas are off, so every hit does the whole work. Defaults (capture limits, redaction) are the
// checkout's own, read from where that checkout keeps them. Every 1,000 hits the loop takes the
// batches off the port and frees their shared memory, as the worker does (a few instructions
// per hit that the worker pays in the agent). With HIT_PATH_LOOP_WORKER=1 a worker thread reads
// each shared batch's numbers and then frees it, as the agent's worker does: the main thread then
// pays, as in the agent, for waking that thread once a batch and for the cache lines it read
// (docs/BENCHMARKS.md, hit12).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

const [checkout, variant, hitsText] = process.argv.slice(2);
const hits = Number(hitsText);
const VARIANTS = [
  'log',
  'bp-log',
  'throw-log',
  'throw-log-paired',
  'raise-log',
  'raise-log-watched',
  'log-false',
  'counter',
  'snapshot',
  'site-log',
  'site-log-string',
  'site-counter',
  'site-off',
  'hand',
];
if (checkout === undefined || !VARIANTS.includes(variant) || !Number.isInteger(hits)) {
  console.error(`usage: node scripts/hit-path-loop.mjs <checkout> <${VARIANTS.join('|')}> <hits>`);
  process.exit(2);
}
const root = resolve(checkout);
/** The first of `paths` (relative to the checkout) that loads: the agent's layout moved in #22. */
async function load(...paths) {
  for (const path of paths) {
    try {
      return await import(pathToFileURL(`${root}/${path}`).href);
    } catch (error) {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
  }
  throw new Error(`none of ${paths.join(', ')} in ${root}: is it built?`);
}

const { ProbeHook } = await load('agent/dist/main/probe-hook.js');
const { AppOtel } = await load('agent/dist/main/app-otel.js');
const { DEFAULT_CAPTURE_LIMITS } = await load('agent/dist/settings/capture-settings.js', 'agent/dist/main/serialize.js');
const { DEFAULT_QUOTAS } = await load('agent/dist/settings/quota-settings.js', 'agent/dist/main/quota.js');
const redaction = await load('agent/dist/settings/redaction-settings.js', 'agent/dist/redaction-settings.js');
const { checkExpression, checkTemplate } = await load('protocol/dist/expression/index.js');

const { PreparedRegistry } = await load('agent/dist/main/prepared-registry.js');

const { port1, port2 } = new MessageChannel();
// As the agent starts it: its worker reads shared memory (an older checkout ignores the argument).
const hook = new ProbeHook(port1, new AppOtel(), undefined, true);
const roots = ['order', 'total'];
port2.postMessage({
  t: 'init',
  agentId: 'hit-path-loop',
  capture: DEFAULT_CAPTURE_LIMITS,
  redaction: { keys: [...redaction.DEFAULT_REDACTED_KEYS], patterns: [...redaction.DEFAULT_PATTERNS], regexes: [], exactKeys: [] },
  quotas: { ...DEFAULT_QUOTAS, hitsPerSecond: 0, bytesPerSecond: 0, cpuMsPerSecond: 0 },
  logOutputs: ['otel', 'live'],
});
const condition = variant === 'log-false' ? 'total > 1000000' : undefined;
port2.postMessage({
  t: 'arm',
  key: 1,
  actionId: 'act_loop',
  roots,
  ...(condition === undefined ? {} : { condition: checkExpression(condition).expr, conditionSource: condition }),
  maxHits: Number.MAX_SAFE_INTEGER,
  expiresAt: Number.MAX_SAFE_INTEGER,
  file: '/app/hot-path.mjs',
  line: 7,
  ...(variant === 'counter' || variant === 'site-counter'
    ? { metric: { role: 'count', attributes: [] } }
    : variant === 'snapshot'
      ? { snapshot: { plan: { arguments: ['order'], locals: ['total'], scopes: [] }, watches: [] } }
      : { log: { level: 'info', template: checkTemplate('order {order.id} total {total}').parts } }),
});

const received = [];
const reader =
  process.env.HIT_PATH_LOOP_WORKER === undefined
    ? undefined
    : new Worker(
        "const { parentPort } = require('node:worker_threads');" +
          'let sum = 0;' +
          'parentPort.on("message", ({ numbers, release }) => {' +
          '  for (let i = 0; i < numbers.length; i++) sum += numbers[i];' +
          '  Atomics.store(release, 0, 0);' +
          '});',
        { eval: true },
      );
reader?.unref();
/** What the worker does with a batch that is all this loop looks at: frees its shared memory (having read it, with a reader). */
const takeBatches = () => {
  for (let m = receiveMessageOnPort(port2); m !== undefined; m = receiveMessageOnPort(port2)) {
    for (const item of m.message) {
      if (item.release === undefined) continue;
      if (reader === undefined) Atomics.store(item.release, 0, 0);
      else reader.postMessage({ numbers: item.numbers, release: item.release });
    }
    if (received.length < 4) received.push(m.message);
  }
};

const site = variant.startsWith('site-');
const order =
  site || variant === 'hand'
    ? { id: variant === 'site-log-string' ? 'o-1042' : 7, amount: 3 }
    : { id: 'o-1042', lines: [{ sku: 'tea', qty: 2 }], status: 'paid' };
/** bench/fixtures/hot-path.mjs's `plain`, and the line `hand` writes instead of a probe. */
const PLAIN = 'function plain(i, order) {\n  const total = order.amount * i;\n  return total; // probe: hot\n}\n';
const PROBED_LINE = 3;
const ring = new Array(1024);
let next = 0;
function remember(line) {
  ring[next++ & 1023] = line;
}
function handWritten(i, order) {
  const total = order.amount * i;
  remember(`order ${order.id} total ${total}`);
  return total;
}

let hit;
let siteId = -1;
let file;
const prepared = new MessageChannel();
if (site) {
  const { prepareSource } = await load('agent/dist/prepare/transform.js');
  const header =
    'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H, $lpC = $lp.C, $lpK = $lp.K, $lpX = $lp.X, $lpT = $lp.T, $lpW = $lp.W;';
  const output = prepareSource(PLAIN, { kind: 'commonjs', header });
  const registry = new PreparedRegistry(hook, prepared.port1, new Int32Array(1));
  file = registry.file('/app/hot-path.mjs', output.sites, output.functions, {}, undefined, undefined, output.siteNames);
  // The line's last site, in the twin: the one a breakpoint on the line would stand for.
  let id = -1;
  for (let s = 0; s < output.sites.length; s += 3) if (output.sites[s] === PROBED_LINE) id = s / 3;
  siteId = id;
  if (variant !== 'site-off') {
    prepared.port2.postMessage({ t: 'flags', file: 0, key: 1, roots, sites: [id], on: true });
    // As the worker turns an action on: the flags, set at once, behind the message.
    file.S[id] = 1;
    const fn = output.sites[id * 3 + 2];
    if (fn >= 0) file.F[fn] = 1;
  }
  hit = new Function('__lp', `${output.code}\nreturn plain;`)(file);
} else if (variant === 'hand') hit = handWritten;
else if (variant === 'bp-log') hit = (i, order) => hook.hit(1, [order, i], undefined);
else if (variant.startsWith('throw-log')) {
  if (variant === 'throw-log-paired') port2.postMessage({ t: 'throw-reruns', runs: 'pairs' });
  hit = (i, order) => Number(hook.throwHit(1, [order, i], undefined));
} else if (variant.startsWith('raise-log')) {
  if (variant === 'raise-log-watched') {
    port2.postMessage({ t: 'raise-reruns', on: true });
    port2.postMessage({ t: 'raise-stops', key: 1, stops: ['1:0'] });
  }
  hit = (i, order) => Number(hook.raiseHit(1, [order, i], undefined));
} else hit = (i, order) => hook.hit(1, [order, i], undefined, true);

/** Hits `hit` from `from` to `to`, in a function V8 optimizes as it would the app's loop. */
function loop(from, to, order) {
  let sum = 0;
  for (let i = from; i < to; i++) sum += hit(i, order);
  return sum;
}

/** This thread's CPU time so far, in ns. */
const threadCpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);

// The first hit drains the port (init, then arm), as a hit racing its arm message does.
hit(0, order);
// HIT_PATH_LOOP_LOG_FIRST=n (site-counter): a log on the same line for n hits first, then removed,
// as in the cost-per-hit benchmark's rounds, where the log's row comes before the counter's.
const logFirst = Number(process.env.HIT_PATH_LOOP_LOG_FIRST ?? 0);
if (variant === 'site-counter' && logFirst > 0) {
  port2.postMessage({
    t: 'arm',
    key: 2,
    actionId: 'act_log_first',
    roots,
    maxHits: Number.MAX_SAFE_INTEGER,
    expiresAt: Number.MAX_SAFE_INTEGER,
    file: '/app/hot-path.mjs',
    line: 7,
    log: { level: 'info', template: checkTemplate('order {order.id} total {total}').parts },
  });
  prepared.port2.postMessage({ t: 'flags', file: 0, key: 2, roots, sites: [siteId], on: true });
  await new Promise((resolve) => setImmediate(resolve));
  for (let done = 0; done < logFirst; done += 1000) {
    loop(done, done + 1000, order);
    takeBatches();
  }
  prepared.port2.postMessage({ t: 'flags', file: 0, key: 2, roots, sites: [siteId], on: false });
  await new Promise((resolve) => setImmediate(resolve));
}
const timed = process.env.HIT_PATH_LOOP_CPU !== undefined;
const cpuBefore = timed ? threadCpuNs() : 0;
for (let done = 0; done < hits; ) {
  const end = Math.min(done + 1000, hits);
  loop(done, end, order);
  done = end;
  takeBatches();
}
if (timed) console.log(`${variant}: ${((threadCpuNs() - cpuBefore) / hits).toFixed(1)} ns of this thread's CPU per hit`);
// What the worker would receive, so a run that did nothing (a probe never armed, paused) shows: after the batch timer (HIT_FLUSH_MS).
await new Promise((resolve) => setTimeout(resolve, 150));
takeBatches();
if (process.env.HIT_PATH_LOOP_DEBUG !== undefined) {
  console.error(JSON.stringify(received).slice(0, 600));
  // A checkout whose counter sites count in place (COUNT_IN_PLACE): what the worker would read.
  if (file?.K !== undefined) console.error(`site ${siteId}: flag ${file.S[siteId]}, counted in place ${file.K[siteId]}`);
}
port1.close();
port2.close();
prepared.port1.close();
prepared.port2.close();
