/**
 * The fake-timer and fake-date libraries users run, installed for the whole process before the
 * app starts (as a test suite does): the agent's standby link still connects and reconnects to a
 * real broker, actions install through the control plane and their output arrives over OTLP, and
 * the app's fake clock is the app's alone: the agent adds no timer to it, does not move it, and
 * none of the agent's work waits for the app to advance it. Putting the real timers back leaves
 * the agent working.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, otlpReceiver, waitFor } from '../../helpers/index.js';
import { addAction, app, installed, mosquittoStack } from '../fixtures.js';
import { nodeBinary, PINNED_MAJORS, type PinnedMajor } from '../../node-versions/node-binaries.js';

const SERVICE = 'test/fixtures/library-fake-timers-service.mjs';
const WORK_LINE = lineOf(SERVICE, 'work');
const WAIT = 20_000;
const TWO_HOURS = 2 * 3600_000;

/**
 * The fixture's libraries. `clock`: whether it fakes timers (and so counts them), not only Date;
 * `prepared`: whether the action is tried on a prepared site too (those that fake
 * `performance.now`, the clock a prepared site's log line is stamped with), besides a breakpoint.
 */
const LIBRARIES = {
  '@sinonjs/fake-timers': { clock: true, prepared: true },
  'sinon.useFakeTimers': { clock: true, prepared: false },
  'jest modern': { clock: true, prepared: true },
  'jest legacy': { clock: true, prepared: false },
  mockdate: { clock: false, prepared: false },
  timekeeper: { clock: false, prepared: false },
} as const;

const PATHS = {
  breakpoint: {},
  'prepared site': { LIVEPROBE_PREPARE: fromRoot(SERVICE), LIVEPROBE_PREPARE_CACHE: 'off' },
} as const;

/** On the tests' Node, every library and path; on Node 22 and 24, the library jest's modern timers are built on. */
const CASES = [
  ...Object.entries(LIBRARIES).flatMap(([library, { clock, prepared }]) =>
    Object.entries(PATHS)
      .filter(([path]) => path === 'breakpoint' || prepared)
      .map(([path, env]) => ({ library, clock, path, env, node: undefined as PinnedMajor | undefined })),
  ),
  ...PINNED_MAJORS.map((node) => ({ library: '@sinonjs/fake-timers', clock: true, path: 'breakpoint', env: PATHS.breakpoint, node })),
];

interface FakeClock {
  timers: number | null;
  now: number | null;
  fired?: number;
}

for (const { library, clock, path, env, node } of CASES) {
  const on = node === undefined ? '' : `, on Node ${node}`;
  test(`with ${library} installed for the whole process, the agent links, reconnects and delivers (${path}${on}), and leaves the fake clock alone`, async (t) => {
    const { broker, cp } = await mosquittoStack(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    const agentId = `fakes-${library.replace(/\W+/g, '-')}-${path.replace(' ', '-')}${node ?? ''}`;
    const service = await app(t, {
      script: SERVICE,
      broker: broker.url,
      tags: ['fakes'],
      agentId,
      ...(node === undefined ? {} : { node: nodeBinary(node) }),
      env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'fakes', OTEL_METRIC_EXPORT_INTERVAL: '500', LP_FAKES: library, ...env },
    });
    const get = async (path: string): Promise<string> => (await fetch(`${service.url}${path}`)).text();
    const output = (pattern: RegExp, what: string) =>
      waitFor(() => pattern.test(service.output()), WAIT, what).catch((err: unknown) => {
        throw new Error(`${String(err)}; app: ${service.output()}`);
      });

    // The idle agent's link, on the app's thread, under the fakes: connects, and reconnects.
    await output(/\] connected to /, "the standby link's connection");
    await broker.kill();
    await output(/lost the broker/, 'the link seeing the broker go');
    await broker.start();
    await output(/reconnected to /, "the standby link's reconnection");

    const before = JSON.parse(await get('/state')) as FakeClock;
    const { action: log } = await addAction(cp, { type: 'log', file: SERVICE, line: WORK_LINE, template: 'n {n}', tags: ['fakes'] });
    const { action: counter } = await addAction(cp, {
      type: 'counter',
      file: SERVICE,
      line: WORK_LINE,
      name: 'fakes.work',
      tags: ['fakes'],
    });
    const how = path === 'breakpoint' ? /^installed: breakpoint/ : /^installed: prepared site/;
    assert.match(await installed(cp, log.id), how);
    assert.match(await installed(cp, counter.id), how);
    const sentAt = Date.now();
    for (const n of [3, 4]) assert.equal(await get(`/work?n=${n}`), String(n * n));
    const answeredAt = Date.now();
    await waitFor(
      () => otlp.logRecords().filter((r) => r.body === 'n 3' || r.body === 'n 4').length === 2,
      WAIT,
      'both hits as OTLP log records',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; received: ${JSON.stringify(otlp.logRecords().map((r) => r.body))}; app: ${service.output()}`);
    });
    await otlp.waitForMetric((p) => p.name === 'fakes.work' && p.value === 2, WAIT, 'the counter at 2');
    // Stamped by the real clock, not the app's fake one (2020, or stopped when the fakes went in,
    // seconds before). The margin is for two processes' readings of the wall clock, not for time.
    for (const record of otlp.logRecords())
      assert.ok(
        record.timeMs >= sentAt - 50 && record.timeMs <= answeredAt + 50,
        `${String(record.body)} stamped ${new Date(record.timeMs).toISOString()}`,
      );

    // The fake clock is as the app left it: the agent's timers, ticks and clock readings are not on it.
    assert.deepEqual(JSON.parse(await get('/state')), before, "the app's fake clock after the agent's work");
    if (clock) {
      assert.equal(before.timers, 1, "only the app's own timer is on its fake clock");
      // Two hours, past the actions' default lifetime (1 h): the agent's clock must not follow.
      const ticked = JSON.parse(await get(`/tick?ms=${TWO_HOURS}`)) as FakeClock;
      assert.deepEqual(
        ticked,
        { fired: 1, timers: 0, now: before.now === null ? null : before.now + TWO_HOURS },
        "two hours of fake time run the app's timer and nothing else",
      );
    }

    // The actions did not expire, nor pause, on the app's fake clock.
    assert.equal(await get('/work?n=6'), '36');
    await otlp.waitForLog((r) => r.body === 'n 6', WAIT, 'a hit after the app moved its fake clock');

    // Real timers back: the agent goes on.
    assert.equal(await get('/uninstall'), 'ok');
    assert.equal(await get('/work?n=5'), '25');
    await otlp.waitForLog((r) => r.body === 'n 5', WAIT, 'the hit after the fakes were uninstalled');
    await otlp.waitForMetric((p) => p.name === 'fakes.work' && p.value === 4, WAIT, 'the counter at 4');
    // The library never saw the agent: e.g. no "FakeTimers: clearInterval was invoked to clear a native timer".
    assert.doesNotMatch(service.output(), /FakeTimers: |native timer/);
  });
}
