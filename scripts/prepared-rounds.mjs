// The cost-per-hit benchmark's prepared rows on the main thread alone, in one fresh process, to
// see whether a round's figure depends on the state V8 compiled the app's function into rather
// than on the machine: each round arms a log on one line of a prepared file (200,000 hits to warm
// up, then the least of 20 batches of 10,000) and then a counter on an identical function's line
// in the same file (150,000, then 20 × 40,000), as the benchmark's rounds do, with the same line
// written by hand measured just before the counter as a control of the machine's speed. A round
// whose counter is slow while its control is not is the agent's (or V8's), not the load's.
//
//   node scripts/prepared-rounds.mjs <checkout> [rounds]
//   for p in $(seq 12); do node scripts/prepared-rounds.mjs . 5; done   # one line per process
//
// The hook is armed through its message port as the worker arms it, with quotas off (no worker,
// no inspector); defaults (capture limits, redaction) are the checkout's own.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const [checkout, roundsText = '5'] = process.argv.slice(2);
const rounds = Number(roundsText);
if (checkout === undefined || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: node scripts/prepared-rounds.mjs <checkout> [rounds]');
  process.exit(2);
}
const root = resolve(checkout);
const load = (path) => import(pathToFileURL(`${root}/${path}`).href);
const { ProbeHook } = await load('agent/dist/main/probe-hook.js');
const { AppOtel } = await load('agent/dist/main/app-otel.js');
const { DEFAULT_CAPTURE_LIMITS } = await load('agent/dist/settings/capture-settings.js');
const { DEFAULT_QUOTAS } = await load('agent/dist/settings/quota-settings.js');
const redaction = await load('agent/dist/settings/redaction-settings.js');
const { checkTemplate } = await load('protocol/dist/expression/index.js');
const { PreparedRegistry } = await load('agent/dist/main/prepared-registry.js');
const { prepareSource } = await load('agent/dist/prepare/transform.js');

const { port1, port2 } = new MessageChannel();
const hook = new ProbeHook(port1, new AppOtel(), undefined, true);
port2.postMessage({
  t: 'init',
  agentId: 'prepared-rounds',
  capture: DEFAULT_CAPTURE_LIMITS,
  redaction: { keys: [...redaction.DEFAULT_REDACTED_KEYS], patterns: [...redaction.DEFAULT_PATTERNS], regexes: [], exactKeys: [] },
  quotas: { ...DEFAULT_QUOTAS, hitsPerSecond: 0, bytesPerSecond: 0, cpuMsPerSecond: 0 },
  logOutputs: ['otel', 'live'],
});

/** bench/fixtures/hot-path.mjs's `plain` and `counted`: the log's line 3, the counter's line 7. */
const SOURCE = [
  'function plain(i, order) {',
  '  const total = order.amount * i;',
  '  return total; // probe: hot',
  '}',
  'function counted(i, order) {',
  '  const total = order.amount * i;',
  '  return total; // probe: counted',
  '}',
  '',
].join('\n');
// Every binding a checkout's transform may use; an older one leaves `$lpC` or `$lpK` unused.
const header =
  'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H, $lpC = $lp.C, $lpK = $lp.K, $lpX = $lp.X, $lpT = $lp.T, $lpW = $lp.W;';
const output = prepareSource(SOURCE, { kind: 'commonjs', header });
const prepared = new MessageChannel();
const registry = new PreparedRegistry(hook, prepared.port1, new Int32Array(1));
const file = registry.file('/app/hot-path.mjs', output.sites, output.functions, {}, undefined, undefined, output.siteNames);
/** The line's last site, in the twin: the one a breakpoint on the line would stand for. */
const siteOn = (line) => {
  let id = -1;
  for (let s = 0; s < output.sites.length; s += 3) if (output.sites[s] === line) id = s / 3;
  return id;
};
const [plain, counted] = new Function('__lp', `${output.code}\nreturn [plain, counted];`)(file);
const order = { id: 7, amount: 3 };
const ring = new Array(1024);
let next = 0;
function handWritten(i, order) {
  const total = order.amount * i;
  ring[next++ & 1023] = `order ${order.id} total ${total}`;
  return total;
}
// Three loops, not one made three times: closures of one function would share its feedback, and
// the fixture's loops are functions of their own.
function loopPlain(calls) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += plain(i, order);
  return sum;
}
function loopCounted(calls) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += counted(i, order);
  return sum;
}
function loopHand(calls) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += handWritten(i, order);
  return sum;
}

/** What the worker does with a batch that is all this script looks at: frees its shared memory. */
const takeBatches = () => {
  for (let m = receiveMessageOnPort(port2); m !== undefined; m = receiveMessageOnPort(port2))
    for (const item of m.message) if (item.release !== undefined) Atomics.store(item.release, 0, 0);
};
const turn = () => new Promise((resolve) => setImmediate(resolve));
const roots = ['order', 'total', 'i'];
let key = 0;

/** Arms an action on `line` and turns its site on, as the worker does (flags first, then the message). */
async function arm(line, action) {
  key++;
  const site = siteOn(line);
  port2.postMessage({
    t: 'arm',
    key,
    actionId: `act_${key}`,
    roots,
    maxHits: Number.MAX_SAFE_INTEGER,
    expiresAt: Number.MAX_SAFE_INTEGER,
    file: '/app/hot-path.mjs',
    line,
    ...action,
  });
  prepared.port2.postMessage({ t: 'flags', file: 0, key, roots, sites: [site], on: true });
  file.S[site] = 1;
  const fn = output.sites[site * 3 + 2];
  if (fn >= 0) file.F[fn] = 1;
  await turn();
  return { key, site };
}

async function disarm({ key, site }) {
  prepared.port2.postMessage({ t: 'flags', file: 0, key, roots, sites: [site], on: false });
  port2.postMessage({ t: 'disarm', key });
  await turn();
  takeBatches();
}

/** ns per call: the least of 20 batches of `calls`, after `warmup` calls, as the benchmark measures prepared rows. */
async function measure(loop, calls, warmup) {
  loop(warmup);
  takeBatches();
  let least = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 20; batch++) {
    const started = process.hrtime.bigint();
    loop(calls);
    least = Math.min(least, Number(process.hrtime.bigint() - started) / calls);
    takeBatches();
    await turn();
  }
  return least;
}

const results = [];
for (let round = 1; round <= rounds; round++) {
  const log = await arm(3, { log: { level: 'info', template: checkTemplate('order {order.id} total {total}').parts } });
  const logNs = await measure(loopPlain, 10_000, 200_000);
  await disarm(log);
  const handNs = await measure(loopHand, 1_000, 20_000);
  const counter = await arm(7, { metric: { role: 'count', attributes: [] } });
  const counterNs = await measure(loopCounted, 40_000, 150_000);
  await disarm(counter);
  results.push(`log ${logNs.toFixed(1)} | counter ${counterNs.toFixed(1)} (hand ${handNs.toFixed(1)})`);
}
console.log(`ns per call, round by round: ${results.join(' || ')}`);
port1.close();
port2.close();
prepared.port1.close();
prepared.port2.close();
