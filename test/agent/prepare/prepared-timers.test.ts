/**
 * Tic-toc and duration actions on prepared files: on prepared sites when every position they
 * need has one (no inspector session), on breakpoints for the whole action otherwise, and
 * measuring the same either way: what the app's own clock says each invocation waited.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromRoot } from '@liveprobe/harness';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, otlpReceiver, sseEvents, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, deleteAction, getAction } from '../fixtures.js';

const WAIT = 15_000;
const SERVER = 'test/fixtures/prepared/server.mjs';
/** Longest first, 50 ms apart: the invocations overlap and end in another order than they began. */
const DELAYS = [400, 250, 100];

/** `prepareTimed` false: arrows.mjs, returns.mjs and fallback.mjs load as written, their lines on breakpoints. */
async function start(t: TestContext, module: 'cjs' | 'esm', prepareTimed = true) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const shop = await app(t, {
    script: SERVER,
    broker: cp.mqttUrl,
    agentId: `prepared-timers-${module}`,
    module,
    env: {
      ...otlp.env('http/protobuf'),
      WORK_MODULE: module,
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/*.?js,!**/server.mjs${prepareTimed ? '' : ',!**/arrows.mjs,!**/returns.mjs,!**/fallback.mjs'}`,
      LIVEPROBE_PREPARE_CACHE: 'off',
    },
  });
  return { cp, otlp, shop, file: `test/fixtures/prepared/work.${module === 'cjs' ? 'cjs' : 'mjs'}` };
}

async function get(url: string, path: string): Promise<unknown> {
  return (await fetch(`${url}${path}`)).json();
}

/** The action's first installed (or pending, or error) status, as `state: message`. */
async function status(cp: { url: string }, id: string): Promise<string> {
  let message = '';
  await waitFor(
    async () => {
      const found = (await getAction(cp as never, id)).statuses.find(
        (s) => s.state === 'installed' || s.state === 'pending' || s.state === 'error',
      );
      message = `${found?.state}: ${found?.message}`;
      return found !== undefined;
    },
    WAIT,
    `${id} installed`,
  );
  return message;
}

/** Overlapping requests, one per delay; what each invocation waited by the app's own clock, by delay. */
async function overlapping(url: string, path: string): Promise<Map<number, number>> {
  const waited = new Map<number, number>();
  await Promise.all(
    DELAYS.map(async (ms, i) => {
      await sleep(i * 50);
      waited.set(ms, Number(await get(url, `${path}?n=${ms}`)));
    }),
  );
  return waited;
}

/** What /flags counts while the duration on pauseComputed is on: its entry and exit sites, in its twin. */
const FLAGS_WITH_DURATION = { sites: 2, functions: 1 };

/** A duration on `fn` named `<prefix>.<its last name part>`, by `ms`; a method (`Class.name`) reads its `ms` from `this`: no attribute. Its id. */
async function durationOn(cp: Awaited<ReturnType<typeof controlPlane>>, file: string, fn: string, prefix: string): Promise<string> {
  const name = `${prefix}.${fn.split('.').at(-1)}`;
  const attributes = fn.includes('.') ? {} : { attributes: { ms: 'str(ms)' } };
  return (await addAction(cp, { type: 'duration', file, function: fn, name, ...attributes, tags: ['e2e'] })).action.id;
}

/** One data point per invocation, each within a few ms of what the app measured (never less: the site is outside the app's clock calls). */
async function agreesWithApp(otlp: Awaited<ReturnType<typeof otlpReceiver>>, name: string, waited: Map<number, number>): Promise<void> {
  for (const [ms, appMs] of waited) {
    const point = await otlp.waitForMetric(
      (p) => p.name === name && p.attributes.ms === String(ms) && p.count === 1,
      WAIT,
      `${name} for the ${ms} ms call`,
    );
    const measured = (point.sum ?? 0) * 1000;
    assert.ok(
      measured >= appMs - 2 && measured - appMs < 50,
      `${name} for the ${ms} ms call: measured ${measured.toFixed(1)} ms, the app waited ${appMs} ms`,
    );
  }
}

for (const module of ['esm', 'cjs'] as const) {
  test(`${module}: tic-toc and duration on prepared sites time each invocation with no inspector session; removing them clears the flags`, async (t) => {
    const { cp, otlp, shop, file } = await start(t, module);
    const ticLine = lineOf(file, 'pause-start');
    const tictoc = await addAction(cp, {
      type: 'tictoc',
      file,
      line: ticLine,
      toc: { line: lineOf(file, 'pause-end') },
      name: 'prepared.pause',
      attributes: { ms: 'str(ms)' },
      tags: ['e2e'],
    });
    const duration = await addAction(cp, {
      type: 'duration',
      file,
      function: 'pause',
      name: 'prepared.pause.duration',
      attributes: { ms: 'str(ms)' },
      tags: ['e2e'],
    });
    const risky = await addAction(cp, {
      type: 'duration',
      file,
      line: lineOf(file, 'risky-return'),
      name: 'prepared.risky',
      tags: ['e2e'],
    });
    assert.equal(
      await status(cp, tictoc.action.id),
      `installed: prepared sites (no breakpoint); tic at line ${ticLine}, toc at line ${lineOf(file, 'pause-end')}`,
    );
    assert.equal(
      await status(cp, duration.action.id),
      `installed: prepared sites (no breakpoint); measuring pause from line ${ticLine} to its 1 exit (returns and throws)`,
    );
    assert.equal(
      await status(cp, risky.action.id),
      `installed: prepared sites (no breakpoint); measuring risky from line ${lineOf(file, 'risky-first')} to its 2 exits (returns and throws)`,
    );
    // The tic-toc and pause's duration share its two sites (entry and return); risky's entry, return and throw.
    assert.deepEqual(await get(shop.url, '/flags'), { sites: 5, functions: 2 });

    const waited = await overlapping(shop.url, '/pause');
    assert.equal(await get(shop.url, '/risky?n=0'), 'ok');
    assert.equal(await get(shop.url, '/risky?n=1'), 'risky failed', 'the exception still reaches the app');
    assert.equal(await get(shop.url, '/risky?n=1'), 'risky failed');
    await agreesWithApp(otlp, 'prepared.pause', waited);
    await agreesWithApp(otlp, 'prepared.pause.duration', waited);
    await otlp.waitForMetric(
      (p) => p.name === 'prepared.risky' && p.attributes['liveprobe.outcome'] === 'return' && p.count === 1,
      WAIT,
      'one return',
    );
    const thrown = await otlp.waitForMetric(
      (p) => p.name === 'prepared.risky' && p.attributes['liveprobe.outcome'] === 'throw' && p.count === 2,
      WAIT,
      'two throws',
    );
    assert.equal(thrown.attributes['code.function.name'], 'risky');
    assert.equal(await get(shop.url, '/state'), false, 'the inspector session was never opened');

    for (const { action } of [tictoc, duration, risky]) await deleteAction(cp, action.id);
    await waitFor(
      async () => JSON.stringify(await get(shop.url, '/flags')) === JSON.stringify({ sites: 0, functions: 0 }),
      WAIT,
      'every flag off',
    );
    assert.equal(await get(shop.url, '/state'), false);
  });
}

test('esm: a tic-toc whose toc line has no prepared site stays whole on breakpoints, a duration whose returned value holds a function takes prepared sites (since ret21), and both time each invocation', async (t) => {
  const { cp, otlp, shop, file } = await start(t, 'esm');
  const tictoc = await addAction(cp, {
    type: 'tictoc',
    file,
    line: lineOf(file, 'pause-start'),
    toc: { line: lineOf(file, 'pause-continuation') },
    name: 'breakpoint.pause',
    attributes: { ms: 'str(ms)' },
    tags: ['e2e'],
  });
  const duration = await addAction(cp, {
    type: 'duration',
    file,
    function: 'pauseComputed',
    name: 'breakpoint.pause.duration',
    attributes: { ms: 'str(ms)' },
    tags: ['e2e'],
  });
  // Both lines are in a twinned function: each takes a breakpoint in its original body and one in its twin.
  assert.match(
    await status(cp, tictoc.action.id),
    new RegExp(
      `^installed: breakpoint \\(not on prepared sites: the toc: line ${lineOf(file, 'pause-continuation')} of \\S+work\\.mjs has no prepared site\\); line \\d+ sits in 2 places of \\S+work\\.mjs: a breakpoint at each; line \\d+ sits in 2 places of \\S+work\\.mjs: a breakpoint at each; tic at line \\d+, toc at line \\d+; timed on breakpoints: V8's own cost of the two breakpoint hits, \\d+ µs at least as measured in this process \\(on a small function of the agent's\\), is taken off .*$`,
    ),
  );
  // Its value, an array after a `.map` callback, is kept in an array for its exit site: V8's names stay as they were.
  assert.equal(
    await status(cp, duration.action.id),
    `installed: prepared sites (no breakpoint); measuring pauseComputed from line ${lineOf(file, 'computed-start')} to its 1 exit (returns and throws)`,
  );
  assert.deepEqual(
    await get(shop.url, '/flags'),
    FLAGS_WITH_DURATION,
    "the tic line has a site, but the tic-toc is never half on sites: only the duration's entry and exit are on",
  );
  assert.equal(await get(shop.url, '/state'), true, 'the breakpoint path opened the session');

  const pauses = await overlapping(shop.url, '/pause');
  const computed = await overlapping(shop.url, '/pause-computed');
  await agreesWithApp(otlp, 'breakpoint.pause', pauses);
  await agreesWithApp(otlp, 'breakpoint.pause.duration', computed);

  // A log on the duration's entry line shares its site: the duration still times each call.
  const log = await addAction(cp, { type: 'log', file, line: lineOf(file, 'computed-start'), template: 'started', tags: ['e2e'] });
  assert.match(await status(cp, log.action.id), /^installed: prepared site/);
  assert.deepEqual(await get(shop.url, '/flags'), FLAGS_WITH_DURATION, 'the twin runs');
  const waited = Number(await get(shop.url, '/pause-computed?n=30'));
  await agreesWithApp(otlp, 'breakpoint.pause.duration', new Map([[30, waited]]));
});

test('esm: a duration that arrived before its file was imported moves whole to prepared sites once the file loads', async (t) => {
  const { cp, otlp, shop } = await start(t, 'esm');
  const file = 'test/fixtures/prepared/lazy.mjs';
  const { action } = await addAction(cp, { type: 'duration', file, function: 'later', name: 'prepared.later', tags: ['e2e'] });
  assert.match(await status(cp, action.id), /^pending: no loaded script matches/);
  assert.equal(await get(shop.url, '/lazy?n=1'), 3);
  await waitFor(
    async () =>
      (await getAction(cp, action.id)).statuses[0]?.message ===
      `prepared sites (no breakpoint); measuring later from line ${lineOf(file, 'lazy-line')} to its 1 exit (returns and throws)`,
    WAIT,
    'moved to prepared sites',
  );
  await waitFor(async () => (await get(shop.url, '/state')) === false, WAIT, 'the inspector session to close');
  assert.equal(await get(shop.url, '/lazy?n=2'), 6);
  await otlp.waitForMetric(
    (p) => p.name === 'prepared.later' && p.attributes['liveprobe.outcome'] === 'return' && (p.count ?? 0) >= 1,
    WAIT,
    'a point from the prepared sites',
  );
});

/**
 * A duration on an expression-bodied arrow: on prepared sites its body's site starts the timer and
 * the exit site after the body's value (after its `await`) stops it, where V8's return position is;
 * measured the same on breakpoints, where the file is not prepared. A call whose callee throws is
 * measured by neither (no `throw` of the arrow's own: docs/actions.md).
 */
for (const prepared of [true, false]) {
  test(`esm: a duration on an expression-bodied arrow, async, sync and throwing, ${prepared ? 'on prepared sites' : 'on breakpoints (not prepared)'}`, async (t) => {
    const { cp, otlp, shop } = await start(t, 'esm', prepared);
    const file = 'test/fixtures/prepared/arrows.mjs';
    const duration = async (fn: string, name: string) =>
      (await addAction(cp, { type: 'duration', file, function: fn, name, attributes: { ms: 'str(ms)' }, tags: ['e2e'] })).action.id;
    const settle = await duration('settle', 'arrow.settle');
    const busy = await duration('busy', 'arrow.busy');
    for (const [id, fn, marker] of [
      [settle, 'settle', 'settle-line'],
      [busy, 'busy', 'busy-line'],
    ] as const) {
      const path = prepared ? 'prepared sites \\(no breakpoint\\)' : 'breakpoint';
      const message = await status(cp, id);
      const line = lineOf(file, marker) + (fn === 'busy' ? 1 : 0);
      assert.match(
        message,
        new RegExp(`^installed: ${path}.*measuring ${fn} from line ${line} to its 1 exit \\(returns and throws\\)`),
        message,
      );
    }
    assert.equal(await get(shop.url, '/state'), !prepared, prepared ? 'the inspector session was never opened' : 'breakpoints');

    const settled = await overlapping(shop.url, '/settle');
    await agreesWithApp(otlp, 'arrow.settle', settled);
    // 31 ms throws from the callee: not measured; 40 ms returns.
    assert.equal(await get(shop.url, '/busy?n=31'), 'failed after 31 ms');
    const spun = Number(await get(shop.url, '/busy?n=40'));
    await agreesWithApp(otlp, 'arrow.busy', new Map([[40, spun]]));
    assert.ok(
      !otlp.metricPoints().some((p) => p.name === 'arrow.busy' && p.attributes.ms === '31'),
      'the call whose callee threw is not measured',
    );
  });
}

/**
 * A line holding a function's closing brace: a breakpoint there stops at V8's return position at
 * the `}`, reached when the body falls off its end. On prepared sites the site before the `}` runs
 * then: the same hits with the same values, and a duration on a function without a final `return`
 * times it there.
 */
for (const prepared of [true, false]) {
  test(`esm: a log on a function's closing brace and a duration on a function that falls off its end, ${prepared ? 'on prepared sites' : 'on breakpoints (not prepared)'}`, async (t) => {
    const { cp, otlp, shop } = await start(t, 'esm', prepared);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const file = 'test/fixtures/prepared/arrows.mjs';
    const log = async (marker: string, template: string) =>
      (await addAction(cp, { type: 'log', file, line: lineOf(file, marker), template, tags: ['e2e'] })).action.id;
    const ended = await log('record-end', 'recorded {ms} in {took}');
    const doubled = await log('each-end', 'item {item} doubled {doubled}');
    const priced = await log('priced-last', 'priced {n} at {total}');
    const duration = (
      await addAction(cp, {
        type: 'duration',
        file,
        function: 'record',
        name: 'record.duration',
        attributes: { ms: 'str(ms)' },
        tags: ['e2e'],
      })
    ).action.id;
    const path = prepared ? /^installed: prepared site/ : /^installed: breakpoint/;
    for (const id of [ended, doubled, priced]) assert.match(await status(cp, id), path);
    const timed = await status(cp, duration);
    assert.match(timed, prepared ? /^installed: prepared sites \(no breakpoint\)/ : /^installed: breakpoint/, timed);
    assert.match(timed, /measuring record from line \d+ to its 2 exits \(returns and throws\)/, timed);
    assert.equal(await get(shop.url, '/state'), !prepared, prepared ? 'the inspector session was never opened' : 'breakpoints');

    assert.deepEqual(await get(shop.url, '/record?n=0'), []);
    const [took] = (await get(shop.url, '/record?n=30')) as number[];
    assert.deepEqual(await get(shop.url, '/each?n=5'), [2, 4, 10]);
    assert.equal(await get(shop.url, '/priced?n=4'), '12 for 4');
    const printed = (id: string) =>
      events
        .events()
        .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id)
        .map((e) => (e.data as OutputEvent).message);
    const expected = {
      ended: [`recorded 30 in ${took}`],
      doubled: ['item 1 doubled 2', 'item 2 doubled 4', 'item 5 doubled 10'],
      priced: ['priced 4 at 12'],
    };
    await waitFor(
      () => printed(ended).length >= 1 && printed(doubled).length >= 3 && printed(priced).length >= 1,
      WAIT,
      'the log lines',
    ).catch(() => undefined);
    assert.deepEqual(
      { ended: printed(ended), doubled: printed(doubled), priced: printed(priced) },
      expected,
      'one line per run that reached the brace, none for the early return',
    );
    await agreesWithApp(otlp, 'record.duration', new Map([[30, took!]]));
    await otlp.waitForMetric((p) => p.name === 'record.duration' && p.attributes.ms === '0', WAIT, 'the early return timed too');
  });
}

/**
 * Durations on functions that return a computed value: on prepared sites each `return`'s exit site
 * runs after its value (after its `await`; in a generator, a method, a `switch` case, a labelled
 * block), so the same calls are measured with the same outcomes as on breakpoints, where the file
 * is not prepared; a call whose value throws (in its callee) is measured by neither, and the
 * return of a function nested in the timed one is not its exit.
 */
for (const prepared of [true, false]) {
  test(`esm: durations on functions that return computed values, ${prepared ? 'on prepared sites' : 'on breakpoints (not prepared)'}`, async (t) => {
    const { cp, otlp, shop } = await start(t, 'esm', prepared);
    const file = 'test/fixtures/prepared/returns.mjs';
    const timed = [
      ['fetched', 'fetched-start', 1],
      ['computed', 'computed-start', 2],
      ['counted', 'counted-start', 1],
      ['switched', 'switched-start', 4],
      ['Timer.run', 'run-start', 1],
      ['outer', 'outer-start', 1],
    ] as const;
    const ids = new Map<string, string>();
    for (const [fn] of timed) ids.set(fn, await durationOn(cp, file, fn, 'returns'));
    for (const [fn, marker, exits] of timed) {
      const message = await status(cp, ids.get(fn)!);
      const path = prepared ? 'prepared sites \\(no breakpoint\\)' : 'breakpoint';
      const name = fn.split('.').at(-1);
      assert.match(
        message,
        new RegExp(
          `^installed: ${path}.*measuring ${name} from line ${lineOf(file, marker)} to its ${exits} exits? \\(returns and throws\\)`,
        ),
        message,
      );
    }
    assert.equal(await get(shop.url, '/state'), !prepared, prepared ? 'the inspector session was never opened' : 'breakpoints');

    const fetched = await overlapping(shop.url, '/fetched');
    assert.equal(await get(shop.url, '/computed?n=0'), null);
    assert.equal(await get(shop.url, '/computed?n=20'), 20);
    assert.equal(await get(shop.url, '/computed?n=21'), 'failed after 21 ms', 'the exception still reaches the app');
    assert.deepEqual(await get(shop.url, '/counted?n=10'), [10]);
    assert.equal(await get(shop.url, '/counted?n=11'), 'failed after 11 ms');
    for (const [from, expected] of [
      [0, 10],
      [1, null],
      [2, 'skip'],
      [3, 'another'],
    ] as const)
      assert.equal(await get(shop.url, `/switched?n=10&from=${from}`), expected);
    assert.equal(await get(shop.url, '/timer?n=6'), 6);
    assert.equal(await get(shop.url, '/outer?n=4'), 4);

    await agreesWithApp(otlp, 'returns.fetched', fetched);
    // Each series: the calls that returned, by `ms`; none that threw.
    const expected: Record<string, Record<string, number>> = {
      'returns.computed': { 0: 1, 20: 1 },
      'returns.counted': { 10: 1 },
      'returns.switched': { 10: 4 },
      'returns.run': { undefined: 1 },
      'returns.outer': { 4: 1 },
    };
    const counts = (name: string) => {
      const byMs: Record<string, number> = {};
      for (const p of otlp.metricPoints().filter((p) => p.name === name)) {
        assert.equal(p.attributes['liveprobe.outcome'], 'return', `${name}: ${JSON.stringify(p.attributes)}`);
        const ms = String(p.attributes.ms);
        byMs[ms] = Math.max(byMs[ms] ?? 0, p.count ?? 0);
      }
      return byMs;
    };
    await waitFor(
      () => Object.entries(expected).every(([name, want]) => Object.keys(want).every((ms) => (counts(name)[ms] ?? 0) >= want[ms]!)),
      WAIT,
      'the returns measured',
    ).catch(() => undefined);
    for (const [name, want] of Object.entries(expected)) assert.deepEqual(counts(name), want, name);
  });
}

/**
 * Durations on functions in fallback.mjs: an arrow whose body is no call, its value in parentheses
 * or not, cannot be timed on prepared sites, and in a prepared file (where the transform puts its
 * body in parentheses) the breakpoint path it falls back to found no return position before dur21
 * and never measured it (nor, in any file, an arrow returning an object literal `({…})`); its
 * timer started inside its site's guard, which never runs. A sync generator, a getter and (since
 * forof22) a twinned function with a `return` in `for … of`, its loop's wrapper in its twin, take
 * prepared sites. An async generator is refused on both paths: V8 never stops at its
 * return position.
 */
for (const prepared of [true, false]) {
  test(`esm: a duration on breakpoints inside a prepared file, for functions prepared sites cannot time, ${prepared ? 'prepared' : 'not prepared'}`, async (t) => {
    const { cp, otlp, shop } = await start(t, 'esm', prepared);
    const file = 'test/fixtures/prepared/fallback.mjs';
    const timed = [
      ['scaled', 'scaled-line', false],
      ['boxed', 'boxed-line', false],
      ['firstOf', 'first-start', true],
      ['steps', 'steps-start', true],
      ['Meter.reading', 'reading-start', true],
    ] as const;
    const ids = new Map<string, string>();
    for (const [fn] of timed) ids.set(fn, await durationOn(cp, file, fn, 'fallback'));
    const ticks = await durationOn(cp, file, 'ticks', 'fallback');
    for (const [fn, marker, onSites] of timed) {
      const message = await status(cp, ids.get(fn)!);
      const path = !prepared
        ? 'breakpoint;'
        : onSites
          ? 'prepared sites \\(no breakpoint\\);'
          : 'breakpoint \\(not on prepared sites: .*\\);';
      const name = fn.split('.').at(-1);
      assert.match(
        message,
        // On sites firstOf's `for … of` return is an exit too, its loop's wrapper; V8 reports none there.
        new RegExp(
          `^installed: ${path} measuring ${name} from line ${lineOf(file, marker)} to its ${prepared && fn === 'firstOf' ? '2 exits' : '1 exit'} \\(returns and throws\\)`,
        ),
        message,
      );
    }
    assert.match(
      await status(cp, ticks),
      /^error: .*ticks in \S+fallback\.mjs is an async generator: V8 never stops at its return position/,
    );

    for (const route of ['/scaled', '/boxed', '/first-of', '/steps', '/reading'])
      assert.deepEqual(await get(shop.url, `${route}?n=20`), route === '/steps' ? [20] : 20);
    assert.deepEqual(await get(shop.url, '/ticks?n=20'), [20], 'the refused action leaves the generator alone');
    for (const [fn] of timed) {
      const name = `fallback.${fn.split('.').at(-1)}`;
      const point = await otlp.waitForMetric((p) => p.name === name && p.count === 1, WAIT, `${name}: one call measured`);
      assert.equal(point.attributes['liveprobe.outcome'], 'return', name);
      if (fn !== 'Meter.reading') assert.equal(point.attributes.ms, '20', name);
      assert.ok((point.sum ?? 0) * 1000 >= 19, `${name}: ${(point.sum ?? 0) * 1000} ms, for a call that waited 20 ms`);
    }
  });
}
