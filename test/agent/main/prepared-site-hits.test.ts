/**
 * The main thread's hit path on a prepared line, end to end in one thread: the transform's
 * output run with a real PreparedFile and ProbeHook, armed through their ports as the worker
 * arms them, the batches read off the worker's end. A site where every action is a plain
 * counter adds one to its count in K at each hit (flag 3, COUNT_IN_PLACE), which the worker reads
 * (here: the test); every hit still counts, and an action that reads values gets them as soon as
 * it is on the line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFunction } from 'node:vm';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { checkExpression, checkTemplate } from '@liveprobe/protocol';
import { type ArmProbe, type PackedLogs, SAMPLED_LIMITS, type ToWorker } from '../../../agent/src/bridge.js';
import { type Header, IN_TRACE, readHeader } from '../../../agent/src/log-header.js';
import { AppOtel } from '../../../agent/src/main/app-otel.js';
import { ProbeHook } from '../../../agent/src/main/probe-hook.js';
import { PreparedRegistry, type PreparedFile } from '../../../agent/src/main/prepared-registry.js';
import { COUNT_IN_PLACE, COUNT_ONLY } from '../../../agent/src/prepare/site-flags.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_QUOTAS } from '../../../agent/src/settings/quota-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { prepareCommonJs } from '../prepare/prepared-module.js';

const SOURCE = ['function work(n, user) {', '  const squared = n * n;', '  return squared + 1;', '}', 'module.exports = { work };'].join(
  '\n',
);
const LINE = 3;

interface Line {
  key: number;
  values: (number | string)[];
}

/** A prepared `work`, its site on LINE, and the worker's ends of the hook's and the registry's ports. */
function preparedWork(t: { after(fn: () => void): void }, cpuMsPerSecond = 0, bytesPerSecond = 0, beforeCountInPlace = false) {
  const prepared = prepareCommonJs(SOURCE);
  // As a transform before COUNT_IN_PLACE wrote the file at build time: its counter sites construct `$lpC`.
  const code = beforeCountInPlace
    ? prepared.code.replace(/\] === 3 \? \$lpK\[(\d+)\]\+\+ :/g, (_, n: string) => `] === 2 ? new $lpC(${n}) :`)
    : prepared.code;
  const hookPorts = new MessageChannel();
  const sitePorts = new MessageChannel();
  const hook = new ProbeHook(hookPorts.port1, new AppOtel());
  const registry = new PreparedRegistry(hook, sitePorts.port1, new Int32Array(1));
  t.after(() => {
    for (const port of [hookPorts.port1, hookPorts.port2, sitePorts.port1, sitePorts.port2]) port.close();
  });
  hookPorts.port2.postMessage({
    t: 'init',
    agentId: 'test',
    capture: DEFAULT_CAPTURE_LIMITS,
    redaction: { keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] },
    quotas: { ...DEFAULT_QUOTAS, hitsPerSecond: 0, bytesPerSecond, cpuMsPerSecond },
    logOutputs: ['otel', 'live'],
  });
  const file = registry.file(
    '/app/work.js',
    prepared.sites,
    prepared.functions,
    {},
    undefined,
    beforeCountInPlace ? 1 : undefined,
    prepared.siteNames,
  ) as PreparedFile;
  // The line's statement site: the first there (a `return` of a computed value has its exit site after it).
  let site = -1;
  for (let s = 0; s < prepared.sites.length && site < 0; s += 3) if (prepared.sites[s] === LINE) site = s / 3;
  assert.ok(site >= 0, `a site on line ${LINE}`);
  const module = { exports: {} as { work(n: number, user: object): number } };
  compileFunction(code, ['module', '__lp'], { filename: '/app/work.js' })(module, file);
  return { work: module.exports.work, file, site, hook, worker: hookPorts.port2, sites: sitePorts.port2 };
}

/** As the worker turns an action on or off: the arm, the flags message, and (on) the shared flags at once. */
function turn(
  ctx: { file: PreparedFile; site: number; worker: MessagePort; sites: MessagePort },
  key: number,
  on: boolean,
  arm?: Omit<ArmProbe, 't' | 'key' | 'actionId' | 'maxHits' | 'expiresAt' | 'file' | 'line'> &
    Partial<Pick<ArmProbe, 'maxHits' | 'expiresAt'>>,
): void {
  if (arm !== undefined)
    ctx.worker.postMessage({
      t: 'arm',
      key,
      actionId: `act_${key}`,
      file: '/app/work.js',
      line: LINE,
      ...arm,
      maxHits: arm.maxHits ?? Number.MAX_SAFE_INTEGER,
      expiresAt: arm.expiresAt ?? Number.MAX_SAFE_INTEGER,
    } satisfies ArmProbe);
  ctx.sites.postMessage({ t: 'flags', file: 0, key, roots: arm?.roots ?? [], sites: [ctx.site], on });
  if (!on) return;
  ctx.file.S[ctx.site] = 1;
  const fn = ctx.file.sites[ctx.site * 3 + 2]!;
  if (fn >= 0) ctx.file.F[fn] = 1;
}

const COUNTER = { roots: [], metric: { role: 'count' as const, attributes: [] } };

/**
 * Everything the hook sent so far: counts and hits counted as sampled by key (and the limits
 * these were over, as `key:limit`), log lines with their values, and why keys finished.
 */
function received(
  hook: ProbeHook,
  worker: MessagePort,
): {
  counts: Map<number, number>;
  sampled: Map<number, number>;
  over: Set<string>;
  lines: Line[];
  done: Map<number, string>;
  errors: Map<number, string>;
} {
  hook.flushForExit();
  const counts = new Map<number, number>();
  const sampled = new Map<number, number>();
  const over = new Set<string>();
  const lines: Line[] = [];
  const done = new Map<number, string>();
  const errors = new Map<number, string>();
  const add = (to: Map<number, number>, hits: number[]) => {
    for (let i = 0; i < hits.length; i += 2) to.set(hits[i]!, (to.get(hits[i]!) ?? 0) + hits[i + 1]!);
  };
  for (let m = receiveMessageOnPort(worker); m !== undefined; m = receiveMessageOnPort(worker)) {
    for (const item of m.message as ToWorker[]) {
      if (item.t === 'counts') add(counts, item.hits);
      if (item.t === 'sampled') {
        for (let i = 0; i < item.hits.length; i += 3) {
          const [key, limit, hits] = item.hits.slice(i, i + 3) as [number, number, number];
          sampled.set(key, (sampled.get(key) ?? 0) + hits);
          over.add(`${key}:${SAMPLED_LIMITS[limit]}`);
        }
      }
      if (item.t === 'logs') lines.push(...linesOf(item));
      if (item.t === 'done') done.set(item.key, item.reason);
      if (item.t === 'eval-error') errors.set(item.key, item.message);
    }
  }
  return { counts, sampled, over, lines, done, errors };
}

/** The packed lines of one batch (hit-batch.ts): header (log-header.ts), time[, traceFlags], then a value per placeholder. */
function linesOf(batch: PackedLogs): Line[] {
  const pieces = new Map(batch.formats);
  const numbers = batch.numbers as Float64Array;
  const lines: Line[] = [];
  const header: Header = { head: Number.NaN, format: 0, key: 0, flags: 0 };
  let text = 0;
  for (let i = 0; i < numbers.length; ) {
    i = readHeader(numbers, i, header) + 1;
    const { format, key, flags } = header;
    if (flags & IN_TRACE) {
      i++;
      text += 2;
    }
    const values: (number | string)[] = [];
    for (let v = 0; v < pieces.get(format)!.length - 1; v++) {
      const value = numbers[i++]!;
      values.push(Number.isNaN(value) ? batch.texts[text++]! : value);
    }
    lines.push({ key, values });
  }
  return lines;
}

/** Lets the registry's port deliver the flags messages, as the app's event loop would. */
const turnOfTheLoop = () => new Promise((resolve) => setImmediate(resolve));

/** The hits the site counted in place (what the worker reads for its plain counters) and those the hook sent for `key`. */
function countedFor(ctx: { file: PreparedFile; site: number }, counts: Map<number, number>, key: number): number {
  return (counts.get(key) ?? 0) + ctx.file.K[ctx.site]!;
}

test('a plain counter alone on a prepared line: the site counts in place from its second hit, and every hit counts', async (t) => {
  const ctx = preparedWork(t);
  turn(ctx, 1, true, COUNTER);
  const user = { name: 'ada' };
  ctx.work(0, user);
  assert.equal(ctx.file.S[ctx.site], COUNT_IN_PLACE, 'the site reads no bindings once it knows the only action there counts');
  for (let n = 1; n < 5000; n++) ctx.work(n, user);
  const { counts } = received(ctx.hook, ctx.worker);
  assert.equal(counts.get(1), 1, 'the first hit, which found the site on, through the hook');
  assert.equal(countedFor(ctx, counts, 1), 5000);
  await turnOfTheLoop();
});

test('a file prepared at build time before the count in place: its counter site passes its number to $lpC (flag 2), and every hit counts', async (t) => {
  const ctx = preparedWork(t, 0, 0, true);
  turn(ctx, 1, true, COUNTER);
  for (let n = 0; n < 3000; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], COUNT_ONLY, 'the value its sites test');
  assert.equal(received(ctx.hook, ctx.worker).counts.get(1), 3000, 'every hit through the hook');
  assert.equal(ctx.file.K[ctx.site], 0, 'nothing counted in place');
  await turnOfTheLoop();
});

test('a log joins a counting site: it gets its values, the counter keeps counting every hit; removed, the site counts alone again', async (t) => {
  const ctx = preparedWork(t);
  turn(ctx, 1, true, COUNTER);
  for (let n = 0; n < 100; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], COUNT_IN_PLACE);
  turn(ctx, 2, true, { roots: ['n', 'squared'], log: { level: 'info', template: checkTemplate('n={n} squared={squared}').parts } });
  await turnOfTheLoop();
  for (let n = 100; n < 300; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], 1, 'a site with an action that reads values passes its bindings');
  turn(ctx, 2, false);
  await turnOfTheLoop();
  for (let n = 300; n < 400; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], COUNT_IN_PLACE);
  const { counts, lines } = received(ctx.hook, ctx.worker);
  assert.equal(countedFor(ctx, counts, 1), 400, 'the counter counted every hit, before, while and after the log was on');
  assert.deepEqual(
    lines.map((l) => l.values),
    Array.from({ length: 200 }, (_, i) => [100 + i, (100 + i) ** 2]),
  );
});

test('a counter with a condition on a prepared line reads its values: counts exact under its condition', async (t) => {
  const ctx = preparedWork(t);
  turn(ctx, 1, true, { ...COUNTER, roots: ['n'], condition: checkExpression('n % 3 === 0').expr, conditionSource: 'n % 3 === 0' });
  turn(ctx, 2, true, { ...COUNTER, roots: ['n'] });
  for (let n = 0; n < 3000; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], 1);
  const { counts } = received(ctx.hook, ctx.worker);
  assert.equal(counts.get(1), 1000);
  assert.equal(counts.get(2), 3000);
  assert.equal(ctx.file.K[ctx.site], 0, 'nothing counted in place');
  await turnOfTheLoop();
});

test('a counting site whose counter was re-armed with a condition (an edit) passes its bindings again from the next hit', async (t) => {
  const ctx = preparedWork(t);
  turn(ctx, 1, true, COUNTER);
  for (let n = 0; n < 10; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], COUNT_IN_PLACE);
  // The edit keeps the key: its flags (off, then on with the condition's roots) reach the
  // registry, and hits come, before its arm message reaches the hook.
  turn(ctx, 1, false);
  ctx.sites.postMessage({ t: 'flags', file: 0, key: 1, roots: ['n'], sites: [ctx.site], on: true });
  await turnOfTheLoop();
  for (let n = 10; n < 20; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], COUNT_IN_PLACE, 'the hook still holds the plain counter');
  ctx.worker.postMessage({
    t: 'arm',
    key: 1,
    actionId: 'act_1',
    maxHits: Number.MAX_SAFE_INTEGER,
    expiresAt: Number.MAX_SAFE_INTEGER,
    file: '/app/work.js',
    line: LINE,
    roots: ['n'],
    condition: checkExpression('n >= 100').expr,
    conditionSource: 'n >= 100',
    metric: COUNTER.metric,
  } satisfies ArmProbe);
  await turnOfTheLoop();
  for (let n = 20; n < 200; n++) ctx.work(n, {});
  assert.equal(ctx.file.S[ctx.site], 1);
  const { counts } = received(ctx.hook, ctx.worker);
  // 20 before the hook took the edit (18 of them in place); after it, those from 100 on: the
  // edit's arm put the flag back to 1, so the hits from n = 20 on read their values.
  assert.equal(countedFor(ctx, counts, 1), 20 + 100);
  assert.equal(ctx.file.K[ctx.site], 18);
});

/** A log of `n` on the line (`extra`: its condition, limits). */
function logOfN(extra: Partial<ArmProbe> = {}) {
  return { roots: ['n'], log: { level: 'info' as const, template: checkTemplate('n={n}').parts }, ...extra };
}

test('a log on a prepared line keeps every check on its own path: its condition, its hit limit, its expiry', async (t) => {
  const ctx = preparedWork(t);
  const even = 'n % 2 === 0';
  turn(ctx, 1, true, logOfN({ condition: checkExpression(even).expr, conditionSource: even, maxHits: 3 }));
  turn(ctx, 2, true, logOfN({ expiresAt: Date.now() - 1 }));
  await turnOfTheLoop();
  for (let n = 1; n <= 10; n++) ctx.work(n, {});
  const { lines, done } = received(ctx.hook, ctx.worker);
  assert.deepEqual(
    lines.filter((line) => line.key === 1).map((line) => line.values[0]),
    [2, 4, 6],
    'the even hits, up to its limit',
  );
  assert.equal(done.get(1), 'hit_limit');
  assert.equal(lines.filter((line) => line.key === 2).length, 0, 'no line once expired');
  assert.equal(done.get(2), 'expired');
});

test('a log on a prepared line whose condition throws: no line, the error reported, nothing thrown into the app', async (t) => {
  const ctx = preparedWork(t);
  const missing = 'n.a.b > 0';
  turn(ctx, 1, true, logOfN({ condition: checkExpression(missing).expr, conditionSource: missing }));
  await turnOfTheLoop();
  for (let n = 1; n <= 3; n++) assert.equal(ctx.work(n, {}), n * n + 1);
  const { lines, errors, done } = received(ctx.hook, ctx.worker);
  assert.equal(lines.length, 0);
  assert.match(errors.get(1) ?? '', /^condition `n\.a\.b > 0`: .*n\.a is undefined/);
  assert.equal(done.size, 0, 'a failing condition is not a hit: the action stays on');
});

test('a log on a prepared line over the CPU budget stays on: its hits are counted as sampled until the next second', async (t) => {
  // A budget no hit fits in: the first hit spends it.
  const ctx = preparedWork(t, 1e-9);
  turn(ctx, 1, true, logOfN());
  await turnOfTheLoop();
  for (let n = 0; n < 10; n++) ctx.work(n, {});
  const { lines, sampled, over, done } = received(ctx.hook, ctx.worker);
  const logged = lines.filter((line) => line.key === 1).length;
  // The first hit logs; should the clock read the same across it, one more may before the budget shows spent.
  assert.ok(logged >= 1 && logged <= 2, `${logged} lines`);
  assert.equal(logged + (sampled.get(1) ?? 0), 10, 'every other hit counted as sampled');
  assert.deepEqual([...over], ['1:cpu'], 'over the CPU budget');
  assert.equal(done.size, 0);
});

test('a log on a prepared line over its byte quota stays on: the lines that fit arrive whole, the rest are counted as sampled and leave nothing in the batch', async (t) => {
  // 100 bytes a second: the first few lines (`n=1 user=user-1`, 15 bytes) fit, then the bucket is empty.
  const ctx = preparedWork(t, 0, 100);
  turn(ctx, 1, true, { roots: ['n', 'user'], log: { level: 'info', template: checkTemplate('n={n} user={user}').parts } });
  await turnOfTheLoop();
  for (let n = 1; n <= 50; n++) ctx.work(n, `user-${n}` as unknown as object);
  const { lines, sampled, over, done } = received(ctx.hook, ctx.worker);
  assert.ok(lines.length >= 5 && lines.length < 50, `${lines.length} lines`);
  assert.deepEqual(lines[0], { key: 1, values: [1, 'user-1'] });
  for (const line of lines) assert.deepEqual(line.values, [line.values[0], `user-${line.values[0]}`], 'each line with its own text');
  assert.equal(lines.length + (sampled.get(1) ?? 0), 50, 'every other hit counted as sampled');
  assert.deepEqual([...over], ['1:bytes'], 'over the output quota');
  assert.equal(done.size, 0);
});

/** The lines of `key` received so far, by their value of `n`. */
function linesOfKey(ctx: { hook: ProbeHook; worker: MessagePort }, key: number) {
  const got = received(ctx.hook, ctx.worker);
  return { ...got, values: got.lines.filter((line) => line.key === key).map((line) => line.values[0]) };
}

/** As the worker applies a changed configuration: the same settings as preparedWork's, these quotas. */
function settings(ctx: { worker: MessagePort }, quotas: { hitsPerSecond: number; cpuMsPerSecond: number }, version: number): void {
  ctx.worker.postMessage({
    t: 'settings',
    version,
    capture: DEFAULT_CAPTURE_LIMITS,
    redaction: { keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] },
    quotas: { ...DEFAULT_QUOTAS, bytesPerSecond: 0, ...quotas },
    logOutputs: ['otel', 'live'],
  });
}

test('a log on a prepared line with the quotas off stops exactly at its hit limit, and a re-arm counts on from where it was', async (t) => {
  const ctx = preparedWork(t);
  turn(ctx, 1, true, logOfN({ maxHits: 1000 }));
  await turnOfTheLoop();
  for (let n = 1; n <= 2500; n++) ctx.work(n, {});
  const first = linesOfKey(ctx, 1);
  assert.equal(first.values.length, 1000, 'as many lines as its limit');
  assert.deepEqual([first.values[0], first.values[999]], [1, 1000], 'the first 1,000 hits');
  assert.equal(first.done.get(1), 'hit_limit');

  // As an action moves from its breakpoint to a prepared site: the same key armed again keeps its hits.
  turn(ctx, 2, true, logOfN({ maxHits: 10 }));
  await turnOfTheLoop();
  for (let n = 1; n <= 6; n++) ctx.work(n, {});
  turn(ctx, 2, true, logOfN({ maxHits: 10 }));
  await turnOfTheLoop();
  for (let n = 100; n < 110; n++) ctx.work(n, {});
  const moved = linesOfKey(ctx, 2);
  assert.deepEqual(moved.values, [1, 2, 3, 4, 5, 6, 100, 101, 102, 103], 'six hits before the re-arm, four after');
  assert.equal(moved.done.get(2), 'hit_limit');
});

test('a log on a prepared line honours new quotas from the next hit: a rate or a CPU budget turned on samples it, turned off lets every hit through', async (t) => {
  const ctx = preparedWork(t);
  turn(ctx, 1, true, logOfN());
  await turnOfTheLoop();
  for (let n = 0; n < 100; n++) ctx.work(n, {});
  assert.equal(linesOfKey(ctx, 1).values.length, 100, 'quotas off: every hit');

  settings(ctx, { hitsPerSecond: 5, cpuMsPerSecond: 0 }, 1);
  await turnOfTheLoop();
  for (let n = 0; n < 1000; n++) ctx.work(n, {});
  const rated = linesOfKey(ctx, 1);
  // A bucket of one second's worth (5): a few more only if the loop took over a second.
  assert.ok(rated.values.length >= 5 && rated.values.length < 50, `${rated.values.length} lines at 5 a second`);
  assert.equal(rated.values.length + (rated.sampled.get(1) ?? 0), 1000, 'every other hit counted as sampled');
  assert.deepEqual([...rated.over], ['1:rate']);

  settings(ctx, { hitsPerSecond: 0, cpuMsPerSecond: 0 }, 2);
  await turnOfTheLoop();
  for (let n = 0; n < 100; n++) ctx.work(n, {});
  assert.equal(linesOfKey(ctx, 1).values.length, 100, 'quotas off again: every hit');

  // A budget no hit fits in: the first hit spends it.
  settings(ctx, { hitsPerSecond: 0, cpuMsPerSecond: 1e-9 }, 3);
  await turnOfTheLoop();
  for (let n = 0; n < 100; n++) ctx.work(n, {});
  const budgeted = linesOfKey(ctx, 1);
  assert.ok(budgeted.values.length >= 1 && budgeted.values.length <= 2, `${budgeted.values.length} lines over the budget`);
  assert.equal(budgeted.values.length + (budgeted.sampled.get(1) ?? 0), 100, 'every other hit counted as sampled');
  assert.deepEqual([...budgeted.over], ['1:cpu']);
  assert.equal(budgeted.done.size, 0, 'sampling is no pause and no end');
});

test('a log on a prepared line that expires while its line is hot: the hits before log, the first after ends it', async (t) => {
  const ctx = preparedWork(t);
  const expiresAt = Date.now() + 300;
  turn(ctx, 1, true, logOfN({ expiresAt }));
  await turnOfTheLoop();
  for (let n = 0; n < 50; n++) ctx.work(n, {});
  const before = linesOfKey(ctx, 1);
  assert.equal(before.values.length, 50);
  assert.equal(before.done.size, 0);
  while (Date.now() <= expiresAt) await new Promise((resolve) => setTimeout(resolve, expiresAt + 20 - Date.now()));
  for (let n = 0; n < 50; n++) ctx.work(n, {});
  const after = linesOfKey(ctx, 1);
  assert.equal(after.values.length, 0, 'no line once expired');
  assert.equal(after.done.get(1), 'expired');
});

test('a log paused over a quota takes no line from its prepared site until it is resumed, though new settings turn the quotas off meanwhile', async (t) => {
  // A budget no hit fits in: the first breakpoint hit spends it, and the action pauses.
  const ctx = preparedWork(t, 1e-9);
  turn(ctx, 1, true, logOfN());
  await turnOfTheLoop();
  ctx.hook.hit(1, [1], undefined);
  settings(ctx, { hitsPerSecond: 0, cpuMsPerSecond: 0 }, 1);
  await turnOfTheLoop();
  const paused = linesOfKey(ctx, 1);
  assert.deepEqual(paused.values, [1], 'the breakpoint hit that spent the budget');
  for (let n = 10; n < 30; n++) ctx.work(n, {});
  assert.deepEqual(linesOfKey(ctx, 1).values, [], 'paused: its site hits take no line');

  ctx.worker.postMessage({ t: 'resume', keys: [1] });
  await turnOfTheLoop();
  for (let n = 30; n < 50; n++) ctx.work(n, {});
  const resumed = linesOfKey(ctx, 1);
  assert.equal(resumed.values.length, 20, 'resumed: every hit');
  assert.deepEqual([resumed.values[0], resumed.values[19]], [30, 49]);
});
