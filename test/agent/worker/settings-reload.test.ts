import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig, type AgentSettings } from '../../../agent/src/settings/agent-config.js';
import { watchConfigFile } from '../../../agent/src/worker/config-watch.js';
import type { SettingsChanges } from '../../../agent/src/worker/settings-changes.js';
import { SettingsReload } from '../../../agent/src/worker/settings-reload.js';
import { tempDir, waitFor } from '../../helpers/index.js';

interface Harness {
  file: string;
  write(content: unknown): void;
  reload(): Promise<void>;
  logs: string[];
  applied: { settings: AgentSettings; changes: SettingsChanges }[];
}

/** A SettingsReload on a temporary config file, started from `initial` as the agent would be. */
async function harness(t: { after(fn: () => Promise<void>): void }, initial: unknown, env: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const temp = await tempDir();
  t.after(() => temp.remove());
  const file = join(temp.path, 'liveprobe.json');
  const write = (content: unknown): void => writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  write(initial);
  const config = readConfig({ ...env, LIVEPROBE_CONFIG: file });
  const logs: string[] = [];
  const applied: Harness['applied'] = [];
  const reload = new SettingsReload({
    path: file,
    env,
    settings: config,
    prepare: config.prepareSection,
    log: (line) => logs.push(line),
    apply: async (settings, changes) => {
      applied.push({ settings, changes });
    },
  });
  return {
    file,
    write,
    logs,
    applied,
    // The applied line is logged once `apply` resolves.
    reload: async () => {
      reload.reload();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

test('a changed file applies what changed, tells the hook and the engine apart, and logs one line', async (t) => {
  const h = await harness(t, { redact: { keys: ['iban'] }, capture: { depth: 2 } });
  h.write({ redact: { keys: ['iban', 'card_ref'] }, block: { variables: ['vault'] }, capture: { depth: 4 }, quotas: { hitsPerSecond: 5 } });
  await h.reload();
  assert.equal(h.applied.length, 1);
  const [{ settings, changes }] = h.applied as [Harness['applied'][0]];
  assert.ok(settings.redaction.keys.includes('card_ref'));
  assert.deepEqual(settings.redaction.exactKeys, ['vault'], 'a blocked variable is hidden inside captured values too');
  assert.equal(settings.quotas.hitsPerSecond, 5);
  assert.equal(changes.hook, true);
  assert.equal(changes.blocklist, true);
  assert.deepEqual(h.logs, [
    `LIVEPROBE_CONFIG: reloaded ${h.file}: redact.keys +card_ref; capture.depth 2 → 4; quotas.hitsPerSecond 200 → 5; block.variables +vault`,
  ]);

  h.write({
    redact: { keys: ['iban', 'card_ref'] },
    block: { variables: ['vault'], functions: ['charge'] },
    capture: { depth: 4 },
    quotas: { hitsPerSecond: 5 },
  });
  await h.reload();
  assert.deepEqual(
    h.applied[1]?.changes,
    { described: ['block.functions +charge'], hook: false, blocklist: true },
    'only the engine has something to do',
  );
});

test('an invalid file keeps the settings in use and says which field is wrong, once; fixing it is noted', async (t) => {
  const h = await harness(t, { redact: { keys: ['iban'] } });
  const broken: [content: unknown, message: string][] = [
    ['{"redact": {"keys": ["iban"]', 'LIVEPROBE_CONFIG: FILE is not valid JSON'],
    [
      { redact: { keys: 'iban' } },
      `LIVEPROBE_CONFIG: FILE: \`redact.keys\` must be an array of strings; keeping the settings in use until the file is fixed`,
    ],
    [
      { quotas: { hitsPerSecond: -1 } },
      `LIVEPROBE_CONFIG: FILE: \`quotas.hitsPerSecond\` must be a number, 0 or more (0 turns the limit off); keeping the settings in use until the file is fixed`,
    ],
    [{ redact: { regexes: ['('] } }, 'LIVEPROBE_CONFIG: FILE: `redact.regexes`: "(" is not a valid regular expression'],
    [
      { capture: { totalBytes: 10 } },
      'LIVEPROBE_CONFIG: FILE: `capture.totalBytes`: 10 bytes cannot hold a useful capture; use at least 64; keeping the settings in use until the file is fixed',
    ],
    [{ quota: {} }, 'LIVEPROBE_CONFIG: FILE: `quota` is not a setting; use "redact", "block", "capture", "quotas", "prepare" or "output"'],
  ];
  for (const [content, message] of broken) {
    h.logs.length = 0;
    h.write(content);
    await h.reload();
    await h.reload();
    assert.equal(h.logs.length, 1, `one line for ${JSON.stringify(content)}: ${h.logs.join(' | ')}`);
    assert.ok(h.logs[0]!.startsWith(message.replace('FILE', h.file)), h.logs[0]);
  }
  rmSync(h.file);
  h.logs.length = 0;
  await h.reload();
  assert.match(h.logs[0] ?? '', /^LIVEPROBE_CONFIG: cannot read .* \(ENOENT\).*; keeping the settings in use until the file is fixed$/);
  assert.equal(h.applied.length, 0, 'nothing applied while the file is broken or gone');

  h.logs.length = 0;
  h.write({ redact: { keys: ['iban'] } });
  await h.reload();
  assert.deepEqual(h.logs, [`LIVEPROBE_CONFIG: reloaded ${h.file}: no setting changed in effect`]);
  assert.equal(h.applied.length, 0);
});

test('the environment still wins over the file, and a changed `prepare` is noted once as taking effect at the next start', async (t) => {
  const h = await harness(t, { capture: { depth: 2 }, prepare: { files: ['dist/**'] } }, { LIVEPROBE_CAPTURE_DEPTH: '6' });
  h.write({ capture: { depth: 9 }, prepare: { files: ['dist/**'] } });
  await h.reload();
  assert.deepEqual(h.logs, [`LIVEPROBE_CONFIG: reloaded ${h.file}: no setting changed in effect`]);
  h.logs.length = 0;
  h.write({ capture: { depth: 9 }, prepare: { files: ['build/**'] } });
  await h.reload();
  h.write({ capture: { depth: 9, items: 5 }, prepare: { files: ['build/**'] } });
  await h.reload();
  assert.deepEqual(h.logs, [
    `LIVEPROBE_CONFIG: ${h.file}: \`prepare\` changed; files are prepared as they load, so it takes effect when the app starts again`,
    `LIVEPROBE_CONFIG: reloaded ${h.file}: capture.items 20 → 5`,
  ]);
});

test('the watch sees a file replaced by rename, and one deleted and created again', async (t) => {
  const temp = await tempDir();
  t.after(() => temp.remove());
  const file = join(temp.path, 'liveprobe.json');
  writeFileSync(file, '{}');
  let changes = 0;
  const stop = watchConfigFile(file, () => changes++);
  t.after(stop);
  // The watch takes its first look asynchronously; a change before that would go unseen.
  await new Promise((resolve) => setTimeout(resolve, 500));

  writeFileSync(`${file}.new`, '{"redact": {}}');
  renameSync(`${file}.new`, file);
  await waitFor(() => changes === 1, 5000, 'the rename noticed');
  rmSync(file);
  await waitFor(() => changes === 2, 5000, 'the deletion noticed');
  writeFileSync(file, '{"block": {}}');
  await waitFor(() => changes === 3, 5000, 'the file back');
});
