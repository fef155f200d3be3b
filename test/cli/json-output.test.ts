/** Every command that prints a result a script may read takes --json and prints the response body. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, startControlPlane } from '../helpers/index.js';

// Long-running or a protocol of their own: nothing to print as one body.
const WITHOUT_JSON = new Set(['up', 'attach', 'dap']);

test('every command but up, attach and dap offers --json', async () => {
  const server = 'http://127.0.0.1:9';
  const leaves: string[][] = [];
  const walk = async (path: string[]): Promise<void> => {
    const help = (await cli([...path, '--help'], { server })).stdout;
    const listed = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
    const names = [...listed.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1] ?? '').filter((n) => n !== 'help');
    if (names.length === 0) {
      leaves.push(path);
      if (!WITHOUT_JSON.has(path.join(' '))) assert.match(help, /^ {2}--json +print /m, `\`liveprobe ${path.join(' ')}\` has --json`);
      return;
    }
    for (const name of names) await walk([...path, name]);
  };
  await walk([]);
  assert.ok(leaves.length > 20, `walked ${leaves.length} commands`);
});

test('`actions rm --json`, `whoami --json` and `token revoke --json` print the response body', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const as = { server: cp.url, token: cp.token! };
  const added = await cli(['log', 'add', 'src/server.ts:42', 'x', '--tag', 'demo', '--no-wait', '--json'], as);
  const { id } = (JSON.parse(added.stdout) as { action: { id: string } }).action;
  const removed = await cli(['actions', 'rm', id, '--json'], as);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(JSON.parse(removed.stdout), { deleted: id });

  const me = await cli(['whoami', '--json'], as);
  assert.equal(me.code, 0, me.stderr);
  assert.equal((JSON.parse(me.stdout) as { role: string }).role, 'admin');

  const created = await cli(['token', 'create', '--name', 'ci', '--role', 'viewer', '--json'], as);
  const tokenId = (JSON.parse(created.stdout) as { token: { id: string } }).token.id;
  const revoked = await cli(['token', 'revoke', tokenId, '--json'], as);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.deepEqual(JSON.parse(revoked.stdout), { revoked: tokenId });
});
