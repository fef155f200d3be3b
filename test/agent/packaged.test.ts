/**
 * The agent shipped with an app built elsewhere (a Docker image, a CI artefact): `npm pack` of
 * agent/ and protocol/ gives two tarballs an app outside the repository installs, and
 * `node --import @liveprobe/agent/register` then runs it with the agent, which takes an action.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Child, fromRoot } from '@liveprobe/harness';
import { cli, startControlPlane, tempDir } from '../helpers/index.js';

const INSTALL_MS = 240_000;
const WAIT = 20_000;

/** Runs the npm on PATH, as a build would, to the end; its output is the failure message. */
async function npm(args: string[], cwd: string): Promise<string> {
  const run = new Child('npm', args, { name: `npm ${args[0]}`, cwd });
  const status = await Promise.race([
    run.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm ${args[0]} still running`)), INSTALL_MS).unref()),
  ]);
  assert.equal(status.code, 0, run.output());
  return run.output();
}

test('packed agent and protocol tarballs installed into an app outside the repository run it with the agent, which takes a log action', {
  timeout: 300_000,
}, async (t) => {
  const dir = await tempDir('liveprobe-packaged-');
  t.after(() => dir.remove());
  const packs = join(dir.path, 'packs');
  mkdirSync(packs);
  await npm(['pack', fromRoot('protocol'), fromRoot('agent'), '--pack-destination', packs], fromRoot('.'));
  const tarballs = readdirSync(packs).sort();
  assert.deepEqual(tarballs, ['liveprobe-agent-0.1.0.tgz', 'liveprobe-protocol-0.1.0.tgz']);

  const app = join(dir.path, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "packaged-app", "version": "1.0.0", "private": true }\n');
  writeFileSync(
    join(app, 'server.js'),
    [
      "const http = require('node:http');",
      'const server = http.createServer((req, res) => {',
      '  const greeting = `hello ${req.url}`;',
      '  res.end(greeting);',
      '});',
      "server.listen(0, '127.0.0.1', () => console.log('listening on', server.address().port));",
      '',
    ].join('\n'),
  );
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs.map((f) => join(packs, f))], app);
  assert.ok(
    !lstatSync(join(app, 'node_modules/@liveprobe/agent')).isSymbolicLink(),
    'a copy from the tarball, not a link into the repository',
  );

  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const server = new Child(process.execPath, ['--import', '@liveprobe/agent/register', 'server.js'], {
    name: 'packaged app',
    cwd: app,
    env: { LIVEPROBE_BROKER_URL: cp.mqttUrl, LIVEPROBE_TAGS: 'packaged', LIVEPROBE_AGENT_ID: 'packaged-1' },
  });
  t.after(() => server.stop());
  const port = (await server.waitForMatch(/listening on (\d+)/, WAIT, 'the app listening'))[1];

  const added = await cli(
    ['log', 'add', `${join(app, 'server.js')}:4`, 'greeting {greeting}', '--tag', 'packaged', '--output', 'console'],
    {
      server: cp.url,
    },
  );
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^ {2}packaged-1: installed at /m, added.stdout);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/packed`)).text(), 'hello /packed');
  await server.waitForMatch(/greeting hello \/packed/, WAIT, 'the log line on the app’s console');
});
