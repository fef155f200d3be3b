/**
 * `liveprobe prepare` on an SSR framework's build, which holds the browser's bundles beside the
 * server's: Nitro's `.output/public` (Nuxt), and a Vite SSR build's `build/client` beside
 * `build/server` (SvelteKit's adapter-node, React Router, Remix, Astro). Prepared, a browser
 * bundle grew past the length Nitro recorded for it at build time and was served cut short, and
 * its import of `….lp-flags.mjs` named a file the server does not know. Those folders are now
 * left as written (copied with --out), and the report says why.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { Child } from '@liveprobe/harness';
import { cli, tempDir } from '../../helpers/index.js';

const BROWSER_CHUNK = `import { h } from './vendor.js';\nexport function mount(el) {\n  if (!el) throw new Error('no root');\n  el.append(h('p', 'hello'));\n}\n`;
const VENDOR_CHUNK = `export const h = (tag, text) => Object.assign(document.createElement(tag), { textContent: text });\n`;

/**
 * A server as Nitro builds one: it recorded each public file's length at build time and sends
 * that many bytes of the file it finds on disk, and an API route of the app's own.
 */
function serverEntry(publicDir: string, sizes: Record<string, number>): string {
  return `import { createServer } from 'node:http';
import { openSync, readSync, closeSync } from 'node:fs';
const assets = ${JSON.stringify(sizes)};
function total(items) {
  let sum = 0;
  for (const item of items) sum += item.price * item.quantity;
  return sum;
}
const server = createServer((req, res) => {
  const size = assets[req.url];
  if (size !== undefined) {
    const body = Buffer.alloc(size);
    const fd = openSync(new URL('${publicDir}' + req.url, import.meta.url), 'r');
    readSync(fd, body, 0, size, 0);
    closeSync(fd);
    res.writeHead(200, { 'content-type': 'text/javascript', 'content-length': size });
    return res.end(body);
  }
  if (req.url === '/api/total') return res.end(JSON.stringify({ total: total([{ price: 3, quantity: 2 }]) }));
  res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

async function build(root: string, serverFile: string, publicDir: string, assetDir: string): Promise<void> {
  const sizes = { '/assets/entry.js': Buffer.byteLength(BROWSER_CHUNK), '/assets/vendor.js': Buffer.byteLength(VENDOR_CHUNK) };
  await write(join(root, serverFile), serverEntry(publicDir, sizes));
  await write(join(root, assetDir, 'assets/entry.js'), BROWSER_CHUNK);
  await write(join(root, assetDir, 'assets/vendor.js'), VENDOR_CHUNK);
}

/** What the built server sends for each browser file and for its API route, run with plain node. */
async function served(entry: string): Promise<{ entry: string; vendor: string; api: string }> {
  const child = new Child(process.execPath, [entry], { name: 'built server', env: {} });
  try {
    const line = await child.waitForLine((text) => text.startsWith('listening on '), 30_000, '`listening on <url>`');
    const url = line.slice('listening on '.length).trim();
    const get = async (path: string) => (await fetch(`${url}${path}`)).text();
    return { entry: await get('/assets/entry.js'), vendor: await get('/assets/vendor.js'), api: await get('/api/total') };
  } finally {
    await child.stop();
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

test("Nitro's .output/public is left as written in place: the server still sends browsers the files it recorded", async (t) => {
  const dir = await tempDir('liveprobe-nitro-public-');
  t.after(() => dir.remove());
  const output = join(dir.path, '.output');
  await write(join(output, 'nitro.json'), JSON.stringify({ preset: 'node-server', framework: { name: 'nuxt' } }));
  await build(output, 'server/index.mjs', '../public', 'public');
  const prepared = await cli(['prepare', output, '--jobs', '1'], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);
  const got = await served(join(output, 'server/index.mjs'));
  assert.deepEqual(got, { entry: BROWSER_CHUNK, vendor: VENDOR_CHUNK, api: '{"total":6}' });
  assert.match(prepared.stdout, /^prepared 1 file /m);
  assert.match(
    prepared.stdout,
    /^1 folder of the browser's files left as written: preparing would change what browsers get, and no agent runs there:\n {2}public\/: Nitro's public files \(beside nitro\.json\), which its server sends to browsers as built$/m,
  );
  assert.deepEqual(await filesUnder(join(output, 'public')), ['assets', 'assets/entry.js', 'assets/vendor.js']);
  assert.match(await readFile(join(output, 'server/index.mjs'), 'utf8'), /^\/\*liveprobe:prepared\*\//);
  const report = await cli(['prepare', output, '--json'], { server: 'http://127.0.0.1:9' });
  assert.deepEqual(JSON.parse(report.stdout).browserFolders, [
    { path: 'public', reason: "Nitro's public files (beside nitro.json), which its server sends to browsers as built" },
  ]);
});

test("a Vite SSR build's client folder beside server/ is copied as it is with --out, and alone is left as written", async (t) => {
  const dir = await tempDir('liveprobe-vite-client-');
  t.after(() => dir.remove());
  const buildDir = join(dir.path, 'build');
  await build(buildDir, 'server/index.js', '../client', 'client');
  await write(join(buildDir, 'package.json'), JSON.stringify({ type: 'module' }));
  const out = join(dir.path, 'prepared');
  const prepared = await cli(['prepare', buildDir, '--out', out, '--jobs', '1'], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.match(prepared.stdout, /^prepared 1 file /m);
  assert.match(
    prepared.stdout,
    /^1 folder of the browser's files left as written \(copied\): .*\n {2}client\/: the client half of an SSR build \(beside server\/\), whose files the server sends to browsers as built$/m,
  );
  assert.deepEqual(await filesUnder(join(out, 'client')), ['assets', 'assets/entry.js', 'assets/vendor.js']);
  assert.deepEqual(await served(join(out, 'server/index.js')), { entry: BROWSER_CHUNK, vendor: VENDOR_CHUNK, api: '{"total":6}' });

  // Named on its own, the client folder is still the browser's.
  const alone = await cli(['prepare', join(buildDir, 'client')], { server: 'http://127.0.0.1:9' });
  assert.equal(alone.code, 0, alone.stderr);
  assert.match(alone.stdout, /^prepared 0 files /m);
  assert.match(alone.stdout, /^ {2}\.\/: the client half of an SSR build/m);
  assert.equal(await readFile(join(buildDir, 'client/assets/entry.js'), 'utf8'), BROWSER_CHUNK);
});
