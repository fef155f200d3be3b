/**
 * A compiler that took Node's `vm.compileFunction` before any action waited, kept from a
 * `require('node:vm')` or as an ES named import: the agent wraps `vm.compileFunction` as it loads
 * (main/commonjs-loader.ts) and brings node:vm's ES exports up to date (they may exist already: here
 * a module imported before the agent made them), so a function compiled with what the app kept runs the gate too, and
 * an action waiting for its file is placed before its first call. Before, the wrapper came only
 * once an action first waited, after the app had kept Node's own: the first call ran unpaused
 * and its hit was missed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Child } from '@liveprobe/harness';
import { lineOf, sseEvents } from '../../helpers/index.js';
import { nodeBinary, PINNED_MAJORS, testsMajor } from '../../node-versions/node-binaries.js';
import { addAction, app, controlPlane, isOutput, isStatus } from '../fixtures.js';

const FIXTURES = 'test/fixtures/compile-function';
const CODE = `${FIXTURES}/total.cjs`;
const WAIT = 20_000;
const MAJORS = [testsMajor, ...PINNED_MAJORS.filter((major) => major !== testsMajor)];

for (const major of MAJORS)
  for (const [how, script, module] of [
    ['kept from require', 'kept-require.cjs', 'cjs'],
    ['imported by name', 'named-import.mjs', 'esm'],
  ] as const)
    test(`on Node ${major}, an action waiting for a file compiled by vm.compileFunction ${how} hits the first call`, async (t) => {
      const cp = await controlPlane(t);
      const events = await sseEvents(cp.url);
      t.after(() => events.close());
      const tag = `compiled-${major}-${module}`;
      const node = major === testsMajor ? undefined : nodeBinary(major as (typeof PINNED_MAJORS)[number]);
      const service = await app(t, {
        script: `${FIXTURES}/${script}`,
        module,
        broker: cp.mqttUrl,
        tags: [tag],
        ...(module === 'esm' ? { extraImports: [`./${FIXTURES}/vm-imported-first.mjs`] } : {}),
        ...(node ? { node } : {}),
      });
      const { action } = await addAction(cp, {
        type: 'log',
        file: CODE,
        line: lineOf(CODE, 'compiled-call'),
        template: 'sum of {items.length} items',
        tags: [tag],
      });
      await events.waitFor(isStatus(action.id, 'pending'), WAIT, 'the action waiting for its file');
      // One call: the file is compiled as the request comes, and called once.
      assert.equal(await (await fetch(service.url)).text(), '6');
      await events.waitFor(
        isOutput(action.id, (e) => e.message === 'sum of 3 items'),
        WAIT,
        'the first call',
      );
    });

test("under the agent, vm.compileFunction keeps Node's name and length, from require and from an ES import", async () => {
  const read = async (agent: boolean, input: 'commonjs' | 'module'): Promise<string> => {
    const code =
      input === 'module'
        ? "import { compileFunction } from 'node:vm'; console.log(compileFunction.name, compileFunction.length)"
        : "const { compileFunction } = require('node:vm'); console.log(compileFunction.name, compileFunction.length)";
    const child = new Child(
      process.execPath,
      [...(agent ? ['--import', '@liveprobe/agent/register'] : []), `--input-type=${input}`, '-e', code],
      {
        name: `compileFunction's name ${agent ? 'with' : 'without'} the agent`,
        env: { LIVEPROBE_BROKER_URL: 'mqtt://127.0.0.1:9' },
      },
    );
    assert.equal((await child.exited).code, 0, child.output());
    return (
      child
        .output()
        .split('\n')
        .find((line) => line.startsWith('compileFunction')) ?? child.output()
    );
  };
  for (const input of ['commonjs', 'module'] as const) assert.equal(await read(true, input), await read(false, input), input);
});
