// The agent's default outputs for log actions: LIVEPROBE_LOG_OUTPUTS over the config file's
// `output.log` over `otel,live`, each checked with an error that names the setting.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig } from '../../../agent/src/settings/agent-config.js';
import { tempDir } from '../../helpers/index.js';

test('log outputs default to otel and live; the environment wins over the config file; bad names are refused by setting', async (t) => {
  assert.deepEqual(readConfig({}).logOutputs, ['otel', 'live']);
  assert.deepEqual(readConfig({ LIVEPROBE_LOG_OUTPUTS: 'console, live, console' }).logOutputs, ['console', 'live']);
  assert.throws(
    () => readConfig({ LIVEPROBE_LOG_OUTPUTS: 'console,stdout' }),
    /LIVEPROBE_LOG_OUTPUTS must list one or more of otel, live, console, logger/,
  );

  const temp = await tempDir();
  t.after(() => temp.remove());
  const file = join(temp.path, 'liveprobe.json');
  writeFileSync(file, JSON.stringify({ output: { log: ['logger', 'otel'] } }));
  assert.deepEqual(readConfig({ LIVEPROBE_CONFIG: file }).logOutputs, ['logger', 'otel']);
  assert.deepEqual(readConfig({ LIVEPROBE_CONFIG: file, LIVEPROBE_LOG_OUTPUTS: 'live' }).logOutputs, ['live']);
  writeFileSync(file, JSON.stringify({ output: { log: [] } }));
  assert.throws(() => readConfig({ LIVEPROBE_CONFIG: file }), /`output\.log` must list one or more of otel, live, console, logger/);
});
