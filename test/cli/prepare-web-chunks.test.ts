/**
 * `liveprobe prepare` on a Next.js build's `.next/server`: its middleware and that middleware's
 * webpack runtime are webpack chunks for the edge runtime, which Next.js's sandbox runs as classic
 * scripts in one `vm` context. Prepared, the second declared the header's tables again and failed
 * to load (`SyntaxError: Identifier '$lpd' has already been declared`) on every request; they are
 * left as written, and say why.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { cli, tempDir } from '../helpers/index.js';

test('`liveprobe prepare` leaves webpack chunks for a web or edge runtime as written, and the edge sandbox still runs them', async (t) => {
  const dir = await tempDir('liveprobe-edge-chunks-');
  t.after(() => dir.remove());
  const chunk = (id: number, body: string): string =>
    `(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[${id}],{${id}:(a,b)=>{function f(x){if(!x)throw(new Error("no"),"no");return x+${id}}b.f=f}}]);\nself.out${id}=f=>f;\n${body}`;
  await writeFile(join(dir.path, 'runtime.js'), chunk(1, ''));
  await writeFile(join(dir.path, 'middleware.js'), chunk(2, ''));
  await writeFile(join(dir.path, 'server.js'), 'module.exports = (x) => x * 2;\n');
  const prepared = await cli(['prepare', dir.path], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.match(prepared.stdout, /^prepared 1 file/);
  // Under a heading of their own: unlike a file that could not be prepared, no action reaches their lines.
  assert.doesNotMatch(prepared.stdout, /take actions as breakpoints/);
  assert.match(
    prepared.stdout,
    /^2 files left as written for a web or edge runtime \(Next\.js's middleware\): no agent runs there, so actions cannot reach their lines:$/m,
  );
  assert.match(prepared.stdout, /middleware\.js: a webpack chunk for a web or edge runtime \(`self\.webpackChunk_N_E`\)/);
  assert.match(prepared.stdout, /runtime\.js: a webpack chunk for a web or edge runtime/);
  // As Next.js's sandbox runs them: both scripts in one context.
  const context = createContext({});
  context.self = context;
  for (const name of ['runtime.js', 'middleware.js']) runInContext(await readFile(join(dir.path, name), 'utf8'), context);
  assert.equal((context.webpackChunk_N_E as unknown[]).length, 2);
});
