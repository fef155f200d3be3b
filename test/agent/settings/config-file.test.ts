/**
 * Prepared files chosen in the agent's configuration file (LIVEPROBE_CONFIG's `prepare`
 * section), read on the app's main thread at start-up: the environment wins field by field,
 * and a mistake there turns preparing off without stopping the app or the rest of the agent.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AgentView } from '@liveprobe/protocol';
import { readPrepareSettings, shouldPrepare } from '../../../agent/src/prepare/prepare-settings.js';
import { readConfig } from '../../../agent/src/settings/agent-config.js';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, tempDir, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, installed } from '../fixtures.js';

const WAIT = 15_000;
const SERVER = 'test/fixtures/prepared/server.mjs';

async function configFile(t: { after(fn: () => Promise<void>): void }, body: unknown): Promise<string> {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const path = join(dir.path, 'liveprobe.json');
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

test('`prepare.files` and `prepare.cache` come from the file, relative to the working directory; the environment wins field by field', async (t) => {
  const file = await configFile(t, { prepare: { files: ['dist/**', '!dist/vendor/**'], cache: '/var/cache/liveprobe' } });
  const fromFile = readPrepareSettings({ LIVEPROBE_CONFIG: file }, '/srv/app')!;
  assert.ok(shouldPrepare(fromFile, '/srv/app/dist/server.js'));
  assert.ok(!shouldPrepare(fromFile, '/srv/app/dist/vendor/big.js'));
  assert.equal(fromFile.cacheDir, '/var/cache/liveprobe');

  const globsFromEnv = readPrepareSettings({ LIVEPROBE_CONFIG: file, LIVEPROBE_PREPARE: 'lib/**' }, '/srv/app')!;
  assert.ok(shouldPrepare(globsFromEnv, '/srv/app/lib/a.js'));
  assert.ok(!shouldPrepare(globsFromEnv, '/srv/app/dist/server.js'), 'the file’s globs are replaced, not added to');
  assert.equal(globsFromEnv.cacheDir, '/var/cache/liveprobe', 'the cache still comes from the file');
  assert.equal(readPrepareSettings({ LIVEPROBE_CONFIG: file, LIVEPROBE_PREPARE_CACHE: 'off' }, '/srv/app')!.cacheDir, undefined);

  assert.equal(
    readPrepareSettings({ LIVEPROBE_CONFIG: await configFile(t, { capture: { depth: 2 } }) }, '/srv/app'),
    undefined,
    'no prepare section: nothing prepared',
  );
});

test('a mistake in the prepare section names the file and the field; the worker’s settings from the same file still apply', async (t) => {
  const cases: [body: unknown, message: RegExp][] = [
    [{ prepare: { files: 'dist/**' } }, /^LIVEPROBE_CONFIG: .*liveprobe\.json: `prepare\.files` must be an array of strings$/],
    [{ prepare: { globs: ['dist/**'] } }, /`prepare\.globs` is not a setting; use one of prepare\.files, prepare\.cache$/],
    [{ prepare: { files: ['dist/**'], cache: false } }, /`prepare\.cache` must be a directory path, or "off"$/],
    [{ prepare: ['dist/**'] }, /`prepare` must be an object$/],
  ];
  for (const [body, message] of cases) {
    const file = await configFile(t, body);
    assert.throws(
      () => readPrepareSettings({ LIVEPROBE_CONFIG: file }, '/srv/app'),
      (err: Error) => {
        assert.equal(err.name, 'AgentConfigError');
        assert.match(err.message, message);
        return true;
      },
    );
  }
  const mixed = await configFile(t, { prepare: { files: 'dist/**' }, block: { variables: ['vault'] } });
  assert.deepEqual(readConfig({ LIVEPROBE_CONFIG: mixed }).blocklist.variables, ['vault']);
});

test('files named in the config file are prepared (through --require too); LIVEPROBE_PREPARE overrides them', async (t) => {
  const cp = await controlPlane(t);
  const file = await configFile(t, { prepare: { files: [`${fromRoot('test/fixtures/prepared')}/work.?js`], cache: 'off' } });
  const work = (module: 'cjs' | 'esm') => `test/fixtures/prepared/work.${module === 'cjs' ? 'cjs' : 'mjs'}`;

  await app(t, {
    script: SERVER,
    broker: cp.mqttUrl,
    agentId: 'config-file',
    module: 'cjs',
    env: { WORK_MODULE: 'cjs', LIVEPROBE_CONFIG: file },
  });
  const fromFile = await addAction(cp, {
    type: 'log',
    file: work('cjs'),
    line: lineOf(work('cjs'), 'work-line'),
    template: 'n={n}',
    agents: ['config-file'],
  });
  assert.equal(await installed(cp, fromFile.action.id), 'installed: prepared site (no breakpoint)');

  await app(t, {
    script: SERVER,
    broker: cp.mqttUrl,
    agentId: 'config-env',
    module: 'esm',
    env: { WORK_MODULE: 'esm', LIVEPROBE_CONFIG: file, LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/lazy.mjs` },
  });
  const overridden = await addAction(cp, {
    type: 'log',
    file: work('esm'),
    line: lineOf(work('esm'), 'work-line'),
    template: 'n={n}',
    agents: ['config-env'],
  });
  assert.match(
    await installed(cp, overridden.action.id),
    /^installed: breakpoint/,
    'work.mjs is not prepared: the environment’s globs replace the file’s',
  );
});

test('a bad prepare value in the config file is reported on stderr; the app runs and the agent works on breakpoints', async (t) => {
  const cp = await controlPlane(t);
  const file = await configFile(t, { prepare: { files: 'test/fixtures/prepared/*.mjs' } });
  const shop = await app(t, {
    script: SERVER,
    broker: cp.mqttUrl,
    agentId: 'config-bad',
    env: { WORK_MODULE: 'esm', LIVEPROBE_CONFIG: file },
  });
  const expected = `[liveprobe] not preparing files: LIVEPROBE_CONFIG: ${file}: \`prepare.files\` must be an array of strings`;
  await waitFor(() => shop.output().includes(expected), WAIT, `${expected} in the app's output`);
  assert.equal(await (await fetch(`${shop.url}/work?n=3`)).json(), 10);

  const agent = await waitFor(
    async () => {
      const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: AgentView[] };
      return agents.find((a) => a.agentId === 'config-bad' && a.online);
    },
    WAIT,
    'the agent online',
  );
  assert.equal(agent.prepare, undefined, 'no prepare summary: nothing is prepared');
  const workFile = 'test/fixtures/prepared/work.mjs';
  const { action } = await addAction(cp, {
    type: 'log',
    file: workFile,
    line: lineOf(workFile, 'work-line'),
    template: 'n={n}',
    agents: ['config-bad'],
  });
  assert.match(await installed(cp, action.id), /^installed: breakpoint/);
  assert.doesNotMatch(shop.output(), /agent is disabled|could not start/);
});

test('a config file from before session recycling was removed is refused with what to do', async (t) => {
  const file = await configFile(t, { quotas: { hitsPerSecond: 100, recycleAfterHits: 50_000 } });
  assert.throws(
    () => readConfig({ LIVEPROBE_CONFIG: file }),
    /`quotas\.recycleAfterHits` was removed: the agent no longer recycles its inspector session .*; delete it$/,
  );
});
