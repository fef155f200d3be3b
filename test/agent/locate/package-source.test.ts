/**
 * A dependency whose source map climbs out of its package, as typeorm 0.2's do
 * (`repository/Repository.js.map`: `sourceRoot: ".."`, `../../src/repository/Repository.ts`,
 * which resolve to `<app>/src/repository/Repository.ts`): an action on the package's TypeScript
 * line, named from the package's folder, installs and logs; named without node_modules/, the
 * agent says which path to write. Both used to wait for a file no name could match, the first
 * while suggesting the resolved path, which matched nothing either.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { tempDir } from '@liveprobe/harness';
import { compileTypeScript, sseEvents, startApp, waitFor } from '../../helpers/index.js';
import { addAction, controlPlane, getAction, installed } from '../fixtures.js';

const WAIT = 20_000;
const SOURCE = `export class Repository {
  findOne(id: number): string {
    const found = \`row \${id}\`;
    return found;
  }
}
`;
const FOUND_LINE = 4;
const SERVER = `const { createServer } = require('node:http');
const { Repository } = require('climbing-lib/repository/Repository.js');
const server = createServer((req, res) => res.end(new Repository().findOne(7)));
server.listen(0, '127.0.0.1', () => console.log('climbing listening on http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

test("an action on a dependency's TypeScript line installs when its map's sourceRoot climbs out of the package", async (t) => {
  const dir = await tempDir('liveprobe-climbing-');
  t.after(() => dir.remove());
  const lib = join(dir.path, 'app', 'node_modules', 'climbing-lib');
  const built = join(lib, 'repository');
  await mkdir(join(dir.path, 'lib-src'), { recursive: true });
  await writeFile(join(dir.path, 'lib-src', 'Repository.ts'), SOURCE);
  await compileTypeScript([join(dir.path, 'lib-src', 'Repository.ts')], { outDir: built, module: 'commonjs' });
  const mapFile = join(built, 'Repository.js.map');
  const map = JSON.parse(await readFile(mapFile, 'utf8')) as Record<string, unknown>;
  await writeFile(
    mapFile,
    JSON.stringify({ ...map, sourceRoot: '..', sources: ['../../src/repository/Repository.ts'], sourcesContent: [SOURCE] }),
  );
  await writeFile(join(lib, 'package.json'), JSON.stringify({ name: 'climbing-lib', version: '1.0.0' }));
  const server = join(dir.path, 'app', 'server.cjs');
  await writeFile(server, SERVER);

  const cp = await controlPlane(t);
  const service = await startApp({ script: server, broker: cp.mqttUrl, tags: ['e2e'], module: 'cjs' });
  t.after(() => service.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());

  const named = await addAction(cp, {
    type: 'log',
    file: 'node_modules/climbing-lib/src/repository/Repository.ts',
    line: FOUND_LINE,
    template: 'found {found}',
    tags: ['e2e'],
  });
  assert.match(await installed(cp, named.action.id, WAIT), /^installed: breakpoint/);
  assert.equal(await (await fetch(service.url)).text(), 'row 7', 'the app computes the same');
  const line = await events.waitFor(
    (e) => e.event === 'output' && (e.data as OutputEvent).actionId === named.action.id,
    WAIT,
    'the log line',
  );
  assert.equal((line.data as OutputEvent).message, 'found row 7');

  const unnamed = await addAction(cp, {
    type: 'log',
    file: 'src/repository/Repository.ts',
    line: FOUND_LINE,
    template: 'x',
    tags: ['e2e'],
  });
  const hint = /did you mean node_modules\/climbing-lib\/src\/repository\/Repository\.ts\?/;
  await waitFor(
    async () => (await getAction(cp, unnamed.action.id)).statuses.some((s) => hint.test(s.message ?? '')),
    WAIT,
    'the path to write, in the status of the action named without node_modules/',
  );
});
