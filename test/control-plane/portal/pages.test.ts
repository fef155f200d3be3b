import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { inProcess } from '../fixtures.js';

const PAGES = ['/agents', '/actions', '/console', '/snapshots', '/snapshots/snp_1'];

test('each portal page is server-rendered HTML with the navigation, the token box and its own module', async (t) => {
  const { app } = await inProcess(t);
  for (const path of PAGES) {
    const response = await app.request(path);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /^<!doctype html>/);
    for (const section of ['/agents', '/actions', '/console', '/snapshots'])
      assert.ok(html.includes(`href="${section}"`), `${path} links ${section}`);
    assert.match(html, /<form class="session" id="session"/);
    const script = /<script type="module" src="(\/assets\/portal\/[a-z-]+\.js)"><\/script>/.exec(html)?.[1];
    assert.ok(script !== undefined, `${path} loads a module`);
    assert.equal((await app.request(script)).status, 200, `${path}'s module ${script} is served`);
  }
  const root = await app.request('/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/actions');
});

test('the portal loads nothing from elsewhere, and its policy forbids it', async (t) => {
  const { app } = await inProcess(t);
  for (const path of PAGES) {
    const response = await app.request(path);
    const policy = response.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'self'/);
    const html = await response.text();
    // The one inline script is the import map, allowed by its hash; no other inline or remote script runs.
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([^<]*)<\/script>/g)];
    assert.deepEqual(
      inline.map((m) => m[0].slice(0, m[0].indexOf('>') + 1)),
      ['<script type="importmap">'],
    );
    const hash = createHash('sha256')
      .update(inline[0]?.[1] ?? '')
      .digest('base64');
    assert.match(policy, new RegExp(`script-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'(;|$)`));
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, `${path} references another origin`);
  }
});

test('the browser modules import each other by relative path and shared modules through the import map; nothing else is served', async (t) => {
  const { app } = await inProcess(t);
  const html = await (await app.request('/actions')).text();
  const importMap = JSON.parse(/<script type="importmap">([^<]*)<\/script>/.exec(html)?.[1] ?? '{}') as { imports: Record<string, string> };
  const seen = new Set<string>();
  const queue = ['actions-page.js', 'agents-page.js', 'console-page.js', 'snapshots-page.js', 'snapshot-page.js'];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const response = await app.request(`/assets/portal/${name}`);
    assert.equal(response.status, 200, name);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    const source = await response.text();
    for (const [, specifier = ''] of source.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) {
      const shared = importMap.imports[specifier];
      if (shared !== undefined) {
        const module = await app.request(shared);
        assert.equal(module.status, 200, `${specifier} is served at ${shared}`);
        const text = await module.text();
        assert.doesNotMatch(text, /^import\s[^'"]*['"]/m, `${specifier} runs in the browser as is: no imports`);
        assert.doesNotMatch(text, /^export\s[^'"\n]*\sfrom\s*['"]/m, `${specifier} runs in the browser as is: no re-exports`);
        seen.add(specifier);
        continue;
      }
      assert.match(specifier, /^\.\/[a-z-]+\.js$/, `${name} imports ${specifier}, which a browser cannot load from here`);
      queue.push(specifier.slice(2));
    }
  }
  assert.ok(seen.has('value-tree.js') && seen.has('event-stream.js') && seen.has('@liveprobe/protocol/value-tree'));
  for (const path of [
    '/assets/portal/missing.js',
    '/assets/portal/..%2Fportal-routes.js',
    '/assets/portal/api.d.ts',
    '/assets/portal/api.js.map',
    '/assets/shared/index.js',
    '/assets/shared/..%2Fpackage.json',
  ]) {
    assert.equal((await app.request(path)).status, 404, path);
  }
});

test('a snapshot id in the page is markup-escaped', async (t) => {
  const { app } = await inProcess(t);
  const html = await (await app.request(`/snapshots/${encodeURIComponent('"><script>alert(1)</script>')}`)).text();
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /data-snapshot-id="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
});
