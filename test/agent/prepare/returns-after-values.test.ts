/**
 * Durations on prepared functions whose returns run code after their value (a `return` inside
 * `try … finally` or `for … of`, a returned value holding a function, a function after another in its
 * expression as a UMD factory is): real processes, the app as written and prepared side by side
 * give the same answers, and each duration runs on prepared sites, not breakpoints.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { otlpReceiver, startApp } from '../../helpers/index.js';
import { nodeBinary, PINNED_MAJORS, testsMajor } from '../../node-versions/node-binaries.js';
import { addAction, controlPlane, installed } from '../fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/returns-after-values.mjs';
const TIMED = [
  'tidy',
  'overrides',
  'rethrows',
  'nested',
  'later',
  'adder',
  'methods',
  'made',
  'listed',
  'follows',
  'total',
  'found',
  'foundLater',
];

for (const major of [testsMajor, ...PINNED_MAJORS]) {
  test(`on Node ${major}, prepared, functions returning inside \`try … finally\` or \`for … of\` or returning functions answer as written, and their durations run on prepared sites`, async (t) => {
    const node = major === testsMajor ? process.execPath : nodeBinary(major as (typeof PINNED_MAJORS)[number]);
    const original = await startApp({ script: APP, broker: 'mqtt://127.0.0.1:1', tags: [], module: 'esm', agent: false, node });
    t.after(() => original.stop());
    const expected = await (await fetch(`${original.url}/run`)).json();

    const cp = await controlPlane(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    const env = {
      ...otlp.env('http/protobuf'),
      LIVEPROBE_PREPARE: fromRoot(APP),
      LIVEPROBE_PREPARE_CACHE: 'off',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    };
    const service = await startApp({ script: APP, broker: cp.mqttUrl, tags: ['e2e'], module: 'esm', env, node });
    t.after(() => service.stop());
    assert.deepEqual(await (await fetch(`${service.url}/run`)).json(), expected, 'prepared, before any action');
    for (const name of TIMED) {
      const { action } = await addAction(cp, { type: 'duration', file: APP, function: name, name: `d.${name}`, tags: ['e2e'] });
      const message = await installed(cp, action.id, WAIT);
      assert.match(message, /^installed: prepared sites? \(no breakpoint\)/, `${name}: ${message}`);
    }
    assert.deepEqual(await (await fetch(`${service.url}/run`)).json(), expected, 'prepared, every duration on');
    // found and foundLater return once inside their loop (after the iterator's closing) and once after it.
    const calls = (name: string) => (name.startsWith('found') ? 2 : 1);
    for (const name of TIMED)
      await otlp.waitForMetric((p) => p.name === `d.${name}` && (p.count ?? 0) >= calls(name), WAIT, `${calls(name)} d.${name} calls`);
  });
}
