/**
 * The idle agent's broker link runs on the app's thread, from its own timers and sockets, while
 * the app does whatever it does to its globals and built-ins. An app that replaces them for a
 * while (here for three seconds, in which the link loads mqtt and tries a broker that is not
 * there every second) must run exactly as without the agent: same output, exit code 0, and an
 * agent that is not disabled by it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { fromRoot } from '@liveprobe/harness';
import { tempDir } from '../../helpers/index.js';

const AGENT = pathToFileURL(fromRoot('agent/dist/bundle/register.js')).href;

/** What the app does to its globals, and how it puts them back. */
const VARIANTS: Record<string, { replace: string; restore: string }> = {
  'Symbol and Uint8Array removed': {
    replace: 'globalThis.Symbol = undefined; globalThis.Uint8Array = undefined;',
    restore: 'globalThis.Symbol = saved.Symbol; globalThis.Uint8Array = saved.Uint8Array;',
  },
  'Object, Reflect, JSON, Array, Error and the timers removed': {
    replace: 'for (const k of names) globalThis[k] = undefined;',
    restore: 'for (const k of names) globalThis[k] = saved[k];',
  },
  'Function.prototype.call replaced by one that throws': {
    replace:
      'saved.Object.defineProperty(Function.prototype, "call", { value() { throw new saved.Error("call replaced"); }, writable: true, configurable: true });',
    restore: 'saved.Object.defineProperty(Function.prototype, "call", { value: saved.call, writable: true, configurable: true });',
  },
};

function appSource(replace: string, restore: string): string {
  return [
    'const names = ["Object", "Reflect", "JSON", "Array", "Error", "Promise", "setTimeout", "setInterval", "clearTimeout", "setImmediate"];',
    'const saved = { Symbol, Uint8Array, call: Function.prototype.call };',
    'for (const k of names) saved[k] = globalThis[k];',
    'const wait = saved.setTimeout;',
    replace,
    'wait(() => {',
    `  ${restore}`,
    '  console.log("done");',
    // A second more, so the link tries again with the globals back.
    '  setTimeout(() => {}, 1200);',
    '}, 3000);',
    '',
  ].join('\n');
}

/** A port on this machine with nothing listening: the link's every try is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const [name, { replace, restore }] of Object.entries(VARIANTS)) {
  test(`an app that has ${name} for three seconds runs as without the agent while the idle agent's link retries`, async (t) => {
    const dir = await tempDir();
    t.after(() => dir.remove());
    writeFileSync(join(dir.path, 'app.cjs'), appSource(replace, restore));
    const run = (withAgent: boolean) =>
      spawnSync(process.execPath, withAgent ? ['--import', AGENT, 'app.cjs'] : ['app.cjs'], {
        cwd: dir.path,
        encoding: 'utf8',
        timeout: 60_000,
        env: { PATH: process.env.PATH ?? '', LIVEPROBE_BROKER_URL: `mqtt://127.0.0.1:${port}`, LIVEPROBE_AGENT_ID: 'hostile' },
      });
    const port = await closedPort();
    const without = run(false);
    assert.equal(without.status, 0, without.stderr);
    const withAgent = run(true);
    assert.equal(withAgent.status, 0, `the app exited ${withAgent.status} with the agent: ${withAgent.stderr}`);
    assert.equal(withAgent.stdout, without.stdout);
    assert.doesNotMatch(withAgent.stderr, /is disabled/, 'the agent stays enabled');
  });
}
