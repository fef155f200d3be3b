import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../helpers/index.js';
import { app, controlPlane } from '../fixtures.js';
import { BASELINE_TRACE, HOT_FUNCTION, logOnWarmFunction } from '../hot-function.js';

test('with the session open from start-up, V8 gives the app no baseline code, and an action on a warm function installs and logs its hits', async (t) => {
  const service = await logOnWarmFunction(t, {});
  assert.ok(!service.output().includes(BASELINE_TRACE), `V8 compiled the warm function to baseline code:\n${service.output()}`);
});

test("LIVEPROBE_SPARKPLUG=on keeps V8's baseline tier with the session open from start-up, and actions still install and log", async (t) => {
  const service = await logOnWarmFunction(t, { LIVEPROBE_SPARKPLUG: 'on' });
  assert.ok(service.output().includes(BASELINE_TRACE), `V8 compiled no baseline code:\n${service.output()}`);
});

test("with the session on demand (the default), the agent leaves V8's baseline tier on", async (t) => {
  const cp = await controlPlane(t);
  const service = await app(t, { script: HOT_FUNCTION, broker: cp.mqttUrl });
  await waitFor(() => service.output().includes(BASELINE_TRACE), 10_000, "V8's trace of baseline code for the warm function");
});

test('an unknown LIVEPROBE_SPARKPLUG disables the agent with the accepted values, and the app runs', async (t) => {
  const cp = await controlPlane(t);
  const service = await app(t, { script: HOT_FUNCTION, broker: cp.mqttUrl, env: { LIVEPROBE_SPARKPLUG: 'no' } });
  await waitFor(() => service.output().includes('the agent is disabled'), 10_000, 'the agent to say why it is disabled');
  assert.match(service.output(), /LIVEPROBE_SPARKPLUG: "no" is not one of on, off/);
  assert.equal(await (await fetch(service.url)).text(), '0', 'the app served the request');
});
