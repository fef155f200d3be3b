import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { matchScript, scriptPath } from '../../../agent/src/locate/script-match.js';
import { loadSourceMap, SourceMapError } from '../../../agent/src/locate/source-maps.js';

test('a page’s scripts are named by their URL without query or hash, and match by path suffix', () => {
  assert.equal(scriptPath('https://shop.test/assets/app.js?v=3#x'), 'https://shop.test/assets/app.js');
  assert.equal(scriptPath('liveprobe://hook/main/probe-hook.js'), undefined, 'the injected hook is not a user script');
  const loaded = ['https://shop.test/assets/app.js', 'https://shop.test/vendor/app.js'];
  assert.deepEqual(matchScript('assets/app.js', loaded), { kind: 'found', path: 'https://shop.test/assets/app.js' });
  assert.deepEqual(matchScript('https://shop.test/vendor/app.js', loaded), { kind: 'found', path: 'https://shop.test/vendor/app.js' });
  assert.equal(matchScript('app.js', loaded).kind, 'ambiguous');
});

test('a page script’s source map is fetched relative to it, and a missing one is reported with its URL and status', async (t) => {
  const map = { version: 3, sources: ['../src/cart.ts'], names: [], mappings: 'AAAA' };
  const server = createServer((request, response) => {
    if (request.url === '/assets/app.js.map') return void response.end(JSON.stringify(map));
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const script = `http://127.0.0.1:${port}/assets/app.js`;

  const loaded = await loadSourceMap(script, 'app.js.map');
  assert.deepEqual([...loaded.sources()], [`http://127.0.0.1:${port}/src/cart.ts`]);
  assert.equal(loaded.originalFor(1, 0)?.file, `http://127.0.0.1:${port}/src/cart.ts`);

  await assert.rejects(loadSourceMap(script, 'missing.js.map'), (err: unknown) => {
    assert.ok(err instanceof SourceMapError);
    assert.equal(
      err.message,
      `${script} names the source map http://127.0.0.1:${port}/assets/missing.js.map, but it answered HTTP 404; serve the .map files next to the scripts`,
    );
    return true;
  });
});
