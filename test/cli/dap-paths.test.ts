// How `liveprobe dap` and the editor plugin name files for agents, and map agents' paths back.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { agentFileOf, localFileOf } from '../../cli/src/dap/paths.js';
import { tempDir } from '../helpers/index.js';

test('a file is named relative to the project root, or through a mapping to its deployed path', () => {
  assert.equal(agentFileOf('/home/me/shop/src/server.ts', { root: '/home/me/shop' }), 'src/server.ts');
  assert.equal(
    agentFileOf('/home/me/shop/src/server.ts', { root: '/home/me/shop', map: { '/home/me/shop/src': '/srv/app/src/' } }),
    '/srv/app/src/server.ts',
  );
  // Outside the root and every mapping: the path as it is, which agents still match by suffix.
  assert.equal(agentFileOf('/tmp/other.ts', { root: '/home/me/shop' }), '/tmp/other.ts');
  assert.equal(
    agentFileOf('/home/me/shop-two/a.ts', { root: '/home/me/shop' }),
    '/home/me/shop-two/a.ts',
    'a sibling folder is not inside the root',
  );
});

test("an agent's path maps back through the mapping, else to the longest suffix that exists under the root", async (t) => {
  const dir = await tempDir('liveprobe-dap-paths-');
  t.after(() => dir.remove());
  await mkdir(join(dir.path, 'src', 'lib'), { recursive: true });
  await writeFile(join(dir.path, 'src', 'lib', 'orders.ts'), '');
  assert.equal(localFileOf('/srv/app/src/lib/orders.ts', { root: dir.path }), join(dir.path, 'src', 'lib', 'orders.ts'));
  assert.equal(
    localFileOf('/srv/app/src/lib/orders.ts', { root: dir.path, map: { [join(dir.path, 'src')]: '/srv/app/src' } }),
    join(dir.path, 'src', 'lib', 'orders.ts'),
  );
  assert.equal(localFileOf('/srv/app/node_modules/express/index.js', { root: dir.path }), undefined, 'not in the project: no local file');
});
