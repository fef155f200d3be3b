/**
 * jest compiles each module a test file loads with `vm.compileFunction`, which V8 does not pause
 * before (no `beforeScriptExecution` on Node 20, 22 or 24): while an action waits, the agent's gate
 * runs once jest has compiled the module and before jest runs it (main/commonjs-loader.ts), so an
 * action on a file nothing loaded before the suite is in place for the suite's first call. Before,
 * the action was placed only after jest had run the module and the test's call: its hit was missed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Child, fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents } from '../../helpers/index.js';
import { nodeBinary, PINNED_MAJORS, testsMajor } from '../../node-versions/node-binaries.js';
import { addAction, controlPlane, isOutput } from '../fixtures.js';

const SUITE = 'test/fixtures/jest-first-call';
const CODE = `${SUITE}/total.cjs`;
const WAIT = 20_000;
const MAJORS = [testsMajor, ...PINNED_MAJORS.filter((major) => major !== testsMajor)];

for (const major of MAJORS)
  test(`on Node ${major}, an action on a file jest has not loaded yet hits the suite's first call`, async (t) => {
    const cp = await controlPlane(t);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const { action } = await addAction(cp, {
      type: 'log',
      file: CODE,
      line: lineOf(CODE, 'first-call'),
      template: 'total of {items.length} items',
      tags: ['jest-first'],
    });
    const node = major === testsMajor ? process.execPath : nodeBinary(major as (typeof PINNED_MAJORS)[number]);
    const jest = new Child(
      node,
      [
        '--import',
        '@liveprobe/agent/register',
        fromRoot('node_modules/jest/bin/jest.js'),
        '--config',
        fromRoot(`${SUITE}/jest.config.cjs`),
        '--rootDir',
        fromRoot(SUITE),
        '--runInBand',
        '--ci',
      ],
      {
        name: `jest on Node ${major}`,
        env: {
          LIVEPROBE_BROKER_URL: cp.mqttUrl,
          LIVEPROBE_TAGS: 'jest-first',
          LIVEPROBE_AGENT_ID: `jest-first-${major}`,
          // The agent has its action before jest starts: it waits for the file until jest compiles it.
          LIVEPROBE_STARTUP_WAIT_MS: '15000',
        },
      },
    );
    t.after(() => jest.stop('SIGKILL'));
    const exit = await jest.exited;
    assert.equal(exit.code, 0, `jest exited ${exit.code}: ${jest.output()}`);
    assert.doesNotMatch(jest.output(), /went on after|ran out/);
    await events.waitFor(
      isOutput(action.id, (e) => e.message === 'total of 3 items'),
      WAIT,
      "the suite's first call",
    );
  });
