// The agent's main-thread hit path in a loop, for instruction counts that do not depend on the
// machine's load: the built ProbeHook of a checkout, armed through its message port as the
// worker arms it, then hit N times as a prepared site hits it (no inspector, no worker).
//
//   node scripts/hit-path-loop.mjs <checkout> <log|log-false|counter|snapshot> <hits>
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable scripts/hit-path-loop.mjs . log 20000
//
// Run it with 0 hits too: (instructions at N − instructions at 0) / N is the cost of one hit.
// Quotas are off, so every hit does the whole work. Defaults (capture limits, redaction) are the
// checkout's own, read from where that checkout keeps them.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const [checkout, variant, hitsText] = process.argv.slice(2);
const hits = Number(hitsText);
if (checkout === undefined || !['log', 'log-false', 'counter', 'snapshot'].includes(variant) || !Number.isInteger(hits)) {
  console.error('usage: node scripts/hit-path-loop.mjs <checkout> <log|log-false|counter|snapshot> <hits>');
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

const { port1, port2 } = new MessageChannel();
const hook = new ProbeHook(port1, new AppOtel());
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
  ...(variant === 'counter'
    ? { metric: { role: 'count', attributes: [] } }
    : variant === 'snapshot'
      ? { snapshot: { plan: { arguments: ['order'], locals: ['total'], scopes: [] }, watches: [] } }
      : { log: { level: 'info', template: checkTemplate('order {order.id} total {total}').parts } }),
});

const order = { id: 'o-1042', lines: [{ sku: 'tea', qty: 2 }], status: 'paid' };
// The first hit drains the port (init, then arm), as a hit racing its arm message does.
hook.hit(1, [order, 0], undefined, true);
for (let i = 0; i < hits; i++) hook.hit(1, [order, i], undefined, true);
// What the worker would receive, so a run that did nothing (a probe never armed, paused) shows.
await new Promise((resolve) => setTimeout(resolve, 50));
const received = [];
for (let m = receiveMessageOnPort(port2); m !== undefined; m = receiveMessageOnPort(port2)) received.push(m.message);
if (process.env.HIT_PATH_LOOP_DEBUG !== undefined) console.error(JSON.stringify(received).slice(0, 600));
port1.close();
port2.close();
