/**
 * A module bundled into two page bundles, both prepared (by `liveprobe prepare` at build time, or
 * by the agent as they load), with a log action on its line while only page A's bundle is loaded:
 * page B's bundle runs its copy of the line in its top-level code as it loads, on the request
 * that loads it, then for that request, and both calls are exported as log records. Shared by
 * the agent's tests and test/node-versions.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cli, waitFor } from '../../helpers/index.js';
import { GREET_RETURN, project } from '../bundled-pages.js';
import { addAction, appExportingTo, installed } from '../fixtures.js';

export interface LateCopyCase {
  /** CommonJS bundles loaded by `require`, or ES module bundles loaded by `import()`. */
  esm: boolean;
  /** Prepared by `liveprobe prepare` before the app starts, or by the agent as each bundle loads. */
  prepared: 'build' | 'load';
  agentId: string;
  /** The node binary (test/node-versions); default: the tests' own. */
  node?: string;
}

export async function lateCopyHitFirst(t: TestContext, { esm, prepared, agentId, node }: LateCopyCase): Promise<void> {
  // Page B's top-level code greets `load` as its bundle loads: the very first call through its copy.
  const dir = await project(t, esm, 'load');
  if (prepared === 'build') {
    const result = await cli(['prepare', join(dir, 'dist')], { server: 'http://127.0.0.1:9' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^prepared 2 files/);
  }
  const { cp, otlp, service } = await appExportingTo(
    t,
    join(dir, 'server.mjs'),
    {
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      ...(prepared === 'load' ? { LIVEPROBE_PREPARE: join(dir, 'dist', '**'), LIVEPROBE_PREPARE_CACHE: 'off' } : {}),
    },
    { agentId, ...(node === undefined ? {} : { node }) },
  );
  const { action } = await addAction(cp, {
    type: 'log',
    file: 'src/auth.ts',
    line: GREET_RETURN,
    template: 'greeting {name}',
    tags: ['e2e'],
  });
  // Page A's copy alone so far.
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  const get = async (path: string): Promise<string> => (await fetch(`${service.url}${path}`)).text();
  // This request loads page B's bundle, which runs its copy of the line as it loads, then for the request.
  assert.equal(await get('/b?name=bob'), 'b:HELLO BOB');
  assert.equal(await get('/a?name=ann'), 'a:HELLO ANN');
  const bodies = (): unknown[] =>
    otlp
      .logRecords()
      .filter((r) => r.attributes['liveprobe.action.id'] === action.id)
      .map((r) => r.body);
  await waitFor(() => bodies().includes('greeting ann'), 20_000, "the record of page A's request");
  assert.deepEqual(bodies().sort(), ['greeting ann', 'greeting bob', 'greeting load'], "page B's copy is hit from its first call");
}
