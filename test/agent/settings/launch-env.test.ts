import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchEnv } from '../../../agent/src/settings/launch-env.cjs';

test("pm2's packed variables are read over the process's own, as pm2 sets them; objects and nulls are left out", () => {
  const pm2Env = JSON.stringify({
    LIVEPROBE_TAGS: 'orders',
    LIVEPROBE_CAPTURE_DEPTH: 2,
    LIVEPROBE_APP_LOGGER: true,
    env: { a: 1 },
    axm: null,
  });
  const env = launchEnv({ LIVEPROBE_TAGS: 'from-the-shell', PATH: '/bin', pm2_env: pm2Env });
  assert.equal(env.LIVEPROBE_TAGS, 'orders');
  assert.equal(env.LIVEPROBE_CAPTURE_DEPTH, '2');
  assert.equal(env.LIVEPROBE_APP_LOGGER, 'true');
  assert.equal(env.PATH, '/bin');
  assert.equal(env.env, undefined);
  assert.equal(env.axm, undefined);
});

test("a pm2_env variable that is not a JSON object is the app's own: the environment is read as it is", () => {
  for (const pm2Env of ['production', '[1,2]', '"text"', 'null']) {
    const own = { LIVEPROBE_TAGS: 'shell', pm2_env: pm2Env };
    assert.deepEqual(launchEnv(own), own);
  }
});
