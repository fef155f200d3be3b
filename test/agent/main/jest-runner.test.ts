/**
 * jest as the app: a real jest run, in band, with the agent loaded, on a suite that drives its
 * code under test with jest's fake timers (modern and legacy). jest's verdict is the one it gives
 * without the agent, and a log action on the code under test (which jest runs in a context of its
 * own, with its own globals) delivers each hit over OTLP, and so does a counter.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Child, fromRoot } from '@liveprobe/harness';
import { lineOf, otlpReceiver, tempDir } from '../../helpers/index.js';
import { addAction, controlPlane, installed } from '../fixtures.js';

const SUITE = 'test/fixtures/jest-suite';
const CODE = `${SUITE}/debounce.cjs`;
const WAIT = 20_000;

interface JestResult {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

test('jest on fake timers (modern and legacy) passes as without the agent, and an action on the code under test delivers', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const dir = await tempDir();
  t.after(() => dir.remove());
  const line = lineOf(CODE, 'settle');
  const { action } = await addAction(cp, { type: 'log', file: CODE, line, template: 'settled {value}', tags: ['jest'] });
  const counter = await addAction(cp, { type: 'counter', file: CODE, line, name: 'jest.settled', tags: ['jest'] });

  const jest = async (withAgent: boolean): Promise<JestResult> => {
    const outputFile = join(dir.path, `jest-${withAgent}.json`);
    const args = [
      fromRoot('node_modules/jest/bin/jest.js'),
      '--config',
      fromRoot(`${SUITE}/jest.config.cjs`),
      '--runInBand',
      '--ci',
      '--json',
      '--outputFile',
      outputFile,
    ];
    const run = new Child(process.execPath, withAgent ? ['--import', '@liveprobe/agent/register', ...args] : args, {
      name: `jest ${withAgent ? 'with' : 'without'} the agent`,
      input: true,
      env: {
        LIVEPROBE_BROKER_URL: cp.mqttUrl,
        LIVEPROBE_TAGS: 'jest',
        LIVEPROBE_AGENT_ID: 'jest-runner',
        LP_HOLD: '1',
        ...otlp.env('http/protobuf'),
      },
    });
    t.after(() => run.stop('SIGKILL'));
    await run.waitForLine((line) => line === 'code under test loaded; holding', WAIT, "jest's global setup");
    if (withAgent) for (const id of [action.id, counter.action.id]) assert.match(await installed(cp, id), /^installed/);
    run.write('go\n');
    const exit = await run.exited;
    assert.equal(exit.code, 0, `jest ${withAgent ? 'with' : 'without'} the agent exited ${exit.code}: ${run.output()}`);
    if (withAgent) assert.doesNotMatch(run.output(), /is disabled/);
    return JSON.parse(readFileSync(outputFile, 'utf8')) as JestResult;
  };

  const verdict = (result: JestResult) => ({
    success: result.success,
    passed: result.numPassedTests,
    failed: result.numFailedTests,
    tests: result.testResults.flatMap((file) => file.assertionResults.map((a) => `${a.fullName}: ${a.status}`)).sort(),
  });
  const without = verdict(await jest(false));
  assert.deepEqual(without, {
    success: true,
    passed: 2,
    failed: 0,
    tests: [
      'with legacy fake timers a debounced call settles once, after the wait: passed',
      'with modern fake timers a debounced call settles once, after the wait: passed',
    ],
  });
  assert.deepEqual(verdict(await jest(true)), without, "jest's verdict with the agent");

  for (const body of ['settled 21', 'settled 12']) {
    const record = await otlp
      .waitForLog((r) => r.body === body, WAIT, `the hit "${body}" as an OTLP log record`)
      .catch((err: unknown) => {
        throw new Error(`${String(err)}; received: ${JSON.stringify(otlp.logRecords().map((r) => r.body))}`);
      });
    assert.equal(record.attributes['liveprobe.action.id'], action.id);
  }
  await otlp.waitForMetric((p) => p.name === 'jest.settled' && p.value === 2, WAIT, 'the counter at 2, flushed as jest exited');
});
