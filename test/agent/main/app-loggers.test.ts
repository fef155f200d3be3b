// Watching for the app's pino or winston logger wraps `require`, so the agent does it only when asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsAppLoggers } from '../../../agent/src/main/app-loggers.cjs';

test('the app-logger watch is off by default, on with LIVEPROBE_APP_LOGGER=on or a logger default output, and off wins', () => {
  assert.equal(wantsAppLoggers({}), false);
  assert.equal(wantsAppLoggers({ LIVEPROBE_LOG_OUTPUTS: 'otel,live,console' }), false);
  assert.equal(wantsAppLoggers({ LIVEPROBE_APP_LOGGER: 'on' }), true);
  assert.equal(wantsAppLoggers({ LIVEPROBE_LOG_OUTPUTS: 'otel, logger' }), true);
  assert.equal(wantsAppLoggers({ LIVEPROBE_LOG_OUTPUTS: 'logger', LIVEPROBE_APP_LOGGER: 'off' }), false);
});
