import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fromRoot, tempDir } from '@liveprobe/harness';
import { assertReservedAndSettled, shownOnceLastIsIn } from './handled-snapshots.js';
import { runWithAndWithoutAgent } from './next-stand-in-run.js';

// Errors Next.js catches: a route handler's or server action's throw or rejection, which Next
// hands to its route module's onRequestError and answers 500. Not a real Next build (it takes
// minutes, next is ~200 MB): test/fixtures/handled-errors/next.cjs stands in for Next's server,
// with a runtime file at the path of Next's own and the same head of that method (the heads of
// the real 15.5 and 16 files are checked in test/agent/worker/error-handlers.test.ts).
const APP = 'test/fixtures/handled-errors/next.cjs';
const _STOCK = 'test/fixtures/handled-errors/stock.cjs';

/**
 * The app's environment: Next's bundled route runtime where the package puts it, in a folder
 * removed after the test, and for Next 14 its server's base-server.js (the catch around a route
 * handler, whose head is checked against 14.2's in test/agent/worker/error-handlers.test.ts).
 */
async function nextEnv(t: TestContext, version: 14 | 15): Promise<Record<string, string>> {
  const dir = await tempDir('liveprobe-next-');
  t.after(() => dir.remove());
  const place = async (fixture: string, path: string): Promise<string> => {
    const target = join(dir.path, 'node_modules/next/dist', path);
    await mkdir(join(target, '..'), { recursive: true });
    await copyFile(fromRoot(`test/fixtures/handled-errors/next/${fixture}`), target);
    return target;
  };
  const env = { NEXT_RUNTIME: await place('app-route.runtime.prod.js', 'compiled/next-server/app-route.runtime.prod.js') };
  return version === 15 ? env : { ...env, NEXT_SERVER: await place('base-server.js', 'server/base-server.js') };
}

const REQUESTS: [string, RequestInit][] = [
  ['/api/swallow?quantity=many', {}],
  ['/api/reserve?wanted=5', {}],
  ['/actions/settle', { method: 'POST', body: JSON.stringify({ customer: 'lin' }) }],
];

for (const [version, what] of [
  [
    15,
    "a route handler's throw and a server action's rejection that Next answers 500 (its route module's onRequestError: 15.4 and later, 16)",
  ],
  [
    14,
    "a GET route handler's throw and a POST one's rejection that Next answers 500 (its server's catch around the handler: no onRequestError)",
  ],
] as const)
  test(`next ${version}: ${what} give snapshots at their throw sites; the answers are unchanged; an error the handler swallows gives none`, async (t) => {
    // Matches the RangeError the handler swallows too.
    const run = await runWithAndWithoutAgent(t, APP, await nextEnv(t, version), REQUESTS, 'left|overdrawn|quantity');
    assert.deepEqual(run.answers, ['200 quantity 1', '500 Internal Server Error', '500 Internal Server Error']);
    const { snapshots } = run;

    await assertReservedAndSettled(snapshots, run.actionId, APP, 'next');

    // A last request: once its snapshot is in, the others (in any order) are too.
    assert.equal((await fetch(`${run.url}/api/reserve?sku=sku-2&wanted=9`)).status, 500);
    assert.deepEqual(
      await shownOnceLastIsIn(snapshots),
      ['only 0 of sku-1 left, 5 wanted', 'ledger lin is overdrawn', 'only 4 of sku-2 left, 9 wanted'].sort(),
      'one snapshot per error Next answered, none for the RangeError the handler swallowed',
    );
  });
