import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { app, controlPlane } from '../fixtures.js';

const FILE = 'test/fixtures/baseline-tier.mjs';
const TIER_OFF = "[liveprobe] V8's baseline tier (Sparkplug) is off";

interface Tier {
  baseline: boolean;
  interpreted: boolean;
}

/** The tier V8 gave the app's busy function, which it keeps from optimizing, as the app reports it. */
async function tierOf(t: TestContext, env: Record<string, string>, nodeArgs: string[] = []): Promise<{ tier: Tier; output: string }> {
  const cp = await controlPlane(t);
  const service = await app(t, { script: FILE, broker: cp.mqttUrl, nodeArgs, env: { LIVEPROBE_LOG_LEVEL: 'debug', ...env } });
  const { baseline, interpreted } = (await (await fetch(service.url)).json()) as Tier;
  return { tier: { baseline, interpreted }, output: service.output() };
}

test("LIVEPROBE_INSPECTOR_SESSION=startup: the app's functions never get baseline code, which a first breakpoint would discard with a walk over the heap", async (t) => {
  const { tier, output } = await tierOf(t, { LIVEPROBE_INSPECTOR_SESSION: 'startup' });
  assert.deepEqual(tier, { baseline: false, interpreted: true }, output);
  assert.ok(output.includes(TIER_OFF), `the agent says the tier is off:\n${output}`);
});

test('with the session on demand (the default) the app keeps the baseline tier', async (t) => {
  const { tier, output } = await tierOf(t, {});
  assert.deepEqual(tier, { baseline: true, interpreted: false }, output);
  assert.ok(!output.includes(TIER_OFF), output);
});

test('LIVEPROBE_INSPECTOR_SESSION=startup with `node --sparkplug`: the baseline tier the app asked for stays', async (t) => {
  const { tier, output } = await tierOf(t, { LIVEPROBE_INSPECTOR_SESSION: 'startup' }, ['--sparkplug']);
  assert.deepEqual(tier, { baseline: true, interpreted: false }, output);
  // The session still opened before the app: the tier is all that changed.
  assert.ok(output.includes('[liveprobe] inspector session open; the app starts'), output);
  assert.ok(!output.includes(TIER_OFF), output);
});
