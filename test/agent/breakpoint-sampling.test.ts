/**
 * A log action on a hot line on the breakpoint path (the file is not prepared) under the agent's
 * default quotas samples: its breakpoint comes back for short windows at a steady pace instead of
 * pausing with a growing back-off. What is exported stays within the rate, the status says how it
 * samples and what that costs the app's main thread (measured on its CPU clock on Linux), the hits
 * it missed are reported as sampled, and it keeps delivering while the load lasts. The only time involved is the rate's own bound, taken from the records' hit times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent, DroppedEvent } from '@liveprobe/protocol';
import { lineOf, type OtlpReceiver, otlpReceiver, type SseStream, sseEvents, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';

const WAIT = 30_000;
const FILE = 'test/fixtures/prepared/work.mjs';

/** Hits reported on the live stream as not exported for the action, for a reason starting with `reason`. */
function dropped(events: SseStream, actionId: string, reason: string): number {
  return events
    .events()
    .filter((e) => e.event === 'dropped')
    .map((e) => e.data as DroppedEvent)
    .filter((d) => d.actionId === actionId && d.reason.startsWith(reason))
    .reduce((sum, d) => sum + d.count, 0);
}

function records(otlp: OtlpReceiver, actionId: string) {
  return otlp.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === actionId);
}

/** Requests of `n` calls each, `parallel` at a time, until `stop` says so. */
async function load(url: string, n: number, parallel: number, stop: () => boolean): Promise<number> {
  let calls = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (!stop()) {
        assert.equal((await fetch(`${url}/repeat?n=${n}`)).status, 200);
        calls += n;
      }
    }),
  );
  return calls;
}

async function hotBreakpoint(t: test.TestContext, agentId: string, ratePerSecond?: number) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const shop = await app(t, {
    script: 'test/fixtures/prepared/server.mjs',
    broker: cp.mqttUrl,
    agentId,
    env: { ...otlp.env('http/protobuf'), OTEL_BLRP_SCHEDULE_DELAY: '200', WORK_MODULE: 'esm' },
  });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, {
    type: 'log',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    template: 'squaring {n}',
    maxHits: 1_000_000,
    tags: ['e2e'],
    ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
  });
  assert.equal(await installed(cp, action.id), 'installed: breakpoint');
  return { otlp, shop, events, actionId: action.id };
}

const statusOf = (events: SseStream, actionId: string) =>
  events
    .events()
    .filter((e) => e.event === 'action_status')
    .map((e) => e.data as ActionStatusEvent)
    .filter((s) => s.actionId === actionId);

async function samplesSteadily(t: test.TestContext, agentId: string, rate: number, bound: RegExp, ratePerSecond?: number) {
  const { otlp, shop, events, actionId } = await hotBreakpoint(t, agentId, ratePerSecond);
  let stop = false;
  let status: ActionStatusEvent | undefined;
  const driving = load(shop.url, 50, 3, () => stop);
  try {
    const sampling = await events.waitFor(
      (e) =>
        e.event === 'action_status' &&
        (e.data as ActionStatusEvent).actionId === actionId &&
        /sampling:/.test((e.data as ActionStatusEvent).message ?? ''),
      WAIT,
      'the sampling status',
    );
    status = sampling.data as ActionStatusEvent;
    assert.equal(status.state, 'installed', 'sampling is not a pause: the action delivers');
    assert.match(
      status.message ?? '',
      new RegExp(
        `^breakpoint; sampling: on [\\d.]+ m?s every [\\d.]+ m?s \\(\\d+ hits?\\), ~[\\d.]+% of hits, ~[\\d.]+ ms of the main thread's CPU a second \\((measured|estimated)\\), to stay within ${bound.source}$`,
      ),
    );
    // The action keeps delivering while the load lasts: well over what a quota's burst after each
    // back-off (1 s, 2 s, 4 s, …) would let through before this wait gives up.
    const before = records(otlp, actionId).length;
    await waitFor(() => records(otlp, actionId).length >= before + 8 * rate, WAIT, `${8 * rate} more records while the load lasts`);
    await waitFor(
      () => dropped(events, actionId, "sampled: the action's breakpoint was out of V8") > 0,
      WAIT,
      'hits missed while the breakpoint was out, reported as sampled',
    );
    // On Linux the worker reads the main thread's CPU clock: once a window it opened has closed,
    // the status gives what the windows cost that thread, measured, instead of the hook's estimate.
    if (process.platform === 'linux')
      await events.waitFor(
        (e) =>
          e.event === 'action_status' &&
          (e.data as ActionStatusEvent).actionId === actionId &&
          /sampling: .*, ~[\d.]+ ms of the main thread's CPU a second \(measured\), /.test((e.data as ActionStatusEvent).message ?? ''),
        WAIT,
        'a sampling status with the cost measured on the main thread',
      );
  } finally {
    stop = true;
  }
  const calls = await driving;
  // Everything exported so far is in: the totals of what was not exported reach the status.
  await waitFor(
    () => statusOf(events, actionId).some((s) => /not exported so far: .*sampled while off \(estimated\)/.test(s.message ?? '')),
    WAIT,
    'the estimated total in the status',
  );
  const times = records(otlp, actionId)
    .map((r) => r.timeMs)
    .sort((a, b) => a - b);
  const spanS = (times.at(-1)! - times[0]!) / 1000;
  // The quota's first burst (a second's worth), then windows that average the rate; one window may straddle the end.
  assert.ok(times.length <= rate * spanS + 2 * rate, `${times.length} records over ${spanS.toFixed(1)} s at ${rate}/s`);
  assert.ok(times.length < calls, `${times.length} of ${calls} calls exported: the rest were sampled out`);
  t.diagnostic(`${status?.message}; ${times.length} records over ${spanS.toFixed(1)} s of ${calls} calls`);
  t.diagnostic(statusOf(events, actionId).at(-1)?.message ?? '');
  assert.equal(
    statusOf(events, actionId).filter((s) => s.state === 'paused' || s.state === 'resumed').length,
    0,
    'no pause and no resume: the breakpoint samples',
  );
}

test('a log on a hot breakpoint under the default quotas samples at a steady pace and reports what it missed', async (t) => {
  await samplesSteadily(t, 'bp-sampling-1', 200, /(the agent's quota of 200 hits per second|the agent's CPU budget of 50 ms per second)/);
});

test('a log on a hot breakpoint samples to its own ratePerSecond', async (t) => {
  await samplesSteadily(t, 'bp-sampling-2', 20, /its ratePerSecond of 20/, 20);
});
