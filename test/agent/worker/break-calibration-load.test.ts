/**
 * A duration waiting for a module that loads in a synchronous run of requires (a TypeScript app
 * run through tsx, or Node's type stripping) is measured and placed without holding the app: the
 * main thread answers the breakpoint calibration (worker/break-calibration.ts) from its event
 * loop, which the pause before each module and the synchronous load kept it from. Measured in the
 * engine's queue, which that pause waits on, each module loading after the timed one held the app
 * 2 s (`the app went on after 2000 ms paused before …/tax.ts ran`) and the measurement timed out
 * (`could not measure the breakpoints' own cost`); on Node 22 the calibration's own script was
 * held the same way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { Child, fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents } from '../../helpers/index.js';
import { nodeBinary } from '../../node-versions/node-binaries.js';
import { addAction, controlPlane, isOutput, isStatus } from '../fixtures.js';

const WAIT = 30_000;
const DIR = 'test/fixtures/duration-load';
const JOB = fromRoot(`${DIR}/job.ts`);

const RUNS = [
  { loader: 'tsx on Node 20', node: () => process.execPath, args: ['--import', 'tsx'] },
  { loader: 'type stripping on Node 22', node: () => nodeBinary(22), args: ['--experimental-strip-types', '--no-warnings'] },
  { loader: 'type stripping on Node 24', node: () => nodeBinary(24), args: [] },
];

for (const [index, run] of RUNS.entries())
  test(`${run.loader}: a duration waiting for a module of a synchronous load is calibrated without holding the app`, async (t) => {
    const cp = await controlPlane(t);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const file = `${DIR}/pricing.ts`;
    const { action } = await addAction(cp, {
      type: 'duration',
      file,
      line: lineOf(file, 'duration-load-price'),
      name: 'job.price',
      tags: ['loaders'],
    });
    const job = new Child(run.node(), [...run.args, '--import', '@liveprobe/agent/register', JOB], {
      name: `job ${run.loader}`,
      env: {
        LIVEPROBE_BROKER_URL: cp.mqttUrl,
        LIVEPROBE_TAGS: 'loaders',
        LIVEPROBE_AGENT_ID: `duration-load-${index}`,
        // The action is there before the job's modules load, as for an app restarted under it.
        LIVEPROBE_STARTUP_WAIT_MS: '15000',
      },
    });
    t.after(() => job.stop('SIGKILL'));
    const installed = await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'the duration installed');
    assert.match((installed.data as ActionStatusEvent).message ?? '', /V8's own cost of the two breakpoint hits, \d+ µs .* is taken off/);
    await events.waitFor(isOutput(action.id), WAIT, 'a duration of price()');
    await job.waitForLine((text) => text === 'priced 9 EUR', WAIT, 'its first price');
    assert.doesNotMatch(job.output(), /went on after|could not measure/);
  });
