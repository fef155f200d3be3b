// Births, statuses and the OpenTelemetry scope carry the version users install.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { AGENT_VERSION } from '../../../agent/src/settings/agent-version.js';
import { fromRoot } from '@liveprobe/harness';

test('the version the agent reports is its package version', async () => {
  const { version } = JSON.parse(await readFile(fromRoot('agent/package.json'), 'utf8')) as { version: string };
  assert.equal(AGENT_VERSION, version);
});
