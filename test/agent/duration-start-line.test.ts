/**
 * The line a duration reports as its start ("measuring f from line N", the status's location and
 * its points' `code.line.number`) is the function's first statement, where its timer starts
 * (docs/actions.md), whichever path times it: a breakpoint, a site prepared as the file loads, a
 * site `liveprobe prepare` wrote, read through tsc's map, and whether the function is named by
 * name or by the line declaring it. On a prepared file's breakpoint it used to report the line of
 * the transform's guards: the declaring line, or through tsc's map a parameter's line (`query`
 * from line 8, as trial18 saw). And the line of a tsc-compiled `export function` was "not inside
 * a function".
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { cli, lineOf, otlpReceiver, startApp, tempDir, waitFor } from '../helpers/index.js';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const SOURCES = 'test/fixtures/duration-start/src';
const TIMED = `${SOURCES}/timed.ts`;
/**
 * Each function, by the name a duration gives, and the marker of its declaring line and of its
 * first statement. A prepared file times each on sites (since ret21 shout too, whose returned
 * value holds a callback: PREPARE.md).
 */
const FUNCTIONS = [
  { fn: 'query', marker: 'query' },
  { fn: 'Basket.total', marker: 'total' },
  { fn: 'Basket.count', marker: 'count' },
  { fn: 'double', marker: 'double' },
  { fn: 'shout', marker: 'shout' },
];

/** tsc's CommonJS output with source maps, as a TypeScript service runs from dist/. */
function compile(dir: string): string {
  const out = join(dir, 'dist');
  const tsc = spawnSync(
    process.execPath,
    [
      fromRoot('node_modules/typescript/bin/tsc'),
      ...['--outDir', out, '--rootDir', fromRoot(SOURCES), '--module', 'commonjs', '--target', 'ES2022', '--sourceMap', '--strict'],
      ...['--types', 'node', '--typeRoots', fromRoot('node_modules/@types'), '--skipLibCheck'],
      fromRoot(`${SOURCES}/server.ts`),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  return join(out, 'server.js');
}

/**
 * How each duration was installed, the start its status names ("measuring f from line N") and its
 * location's line, by `fn by name|line`; and the line its data point carries (`fn point`).
 */
async function observe(t: TestContext, path: 'breakpoint' | 'loaded' | 'built'): Promise<Record<string, string>> {
  const dir = await tempDir('liveprobe-duration-start-');
  t.after(() => dir.remove());
  const script = compile(dir.path);
  if (path === 'built') {
    const prepared = await cli(['prepare', join(dir.path, 'dist')], { server: 'http://127.0.0.1:9' });
    assert.equal(prepared.code, 0, prepared.stderr);
  }
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const env = {
    ...otlp.env('http/protobuf'),
    ...(path === 'loaded' ? { LIVEPROBE_PREPARE: join(dir.path, 'dist/*.js'), LIVEPROBE_PREPARE_CACHE: 'off' } : {}),
  };
  const service = await startApp({ script, broker: cp.mqttUrl, tags: ['e2e'], module: 'cjs', env });
  t.after(() => service.stop());
  const ids = new Map<string, string>();
  for (const { fn, marker } of FUNCTIONS) {
    const at = { type: 'duration' as const, file: TIMED, tags: ['e2e'] };
    ids.set(`${fn} by name`, (await addAction(cp, { ...at, function: fn, name: `start.${marker}.name` })).action.id);
    ids.set(
      `${fn} by line`,
      (await addAction(cp, { ...at, line: lineOf(TIMED, `${marker}-declared`), name: `start.${marker}.line` })).action.id,
    );
  }
  const seen: Record<string, string> = {};
  await waitFor(
    async () => {
      for (const [key, id] of ids) {
        if (seen[key] !== undefined) continue;
        const status = (await getAction(cp, id)).statuses.find((s) => s.state === 'installed' || s.state === 'error');
        if (status === undefined) continue;
        const how = /^(breakpoint|prepared sites)\b/.exec(status.message ?? '')?.[1];
        const measuring = / measuring (\S+ from line \d+) /.exec(status.message ?? '')?.[1];
        seen[key] =
          status.state === 'installed' && measuring !== undefined
            ? `${how}: ${measuring}, at line ${status.location?.line}`
            : `${status.state}: ${status.message}`;
      }
      return Object.keys(seen).length === ids.size;
    },
    WAIT,
    'every duration installed',
  );
  assert.equal(await (await fetch(service.url)).text(), '5 3 1 8 HI!', 'the app computes the same');
  for (const { fn, marker } of FUNCTIONS) {
    const point = await otlp.waitForMetric((p) => p.name === `start.${marker}.name` && p.count === 1, WAIT, `${marker} measured once`);
    seen[`${fn} point`] = `at line ${point.attributes['code.line.number']}`;
  }
  return seen;
}

function expected(path: 'breakpoint' | 'loaded' | 'built'): Record<string, string> {
  const all: Record<string, string> = {};
  for (const { fn, marker } of FUNCTIONS) {
    const first = lineOf(TIMED, `${marker}-first`);
    const shown = fn.slice(fn.lastIndexOf('.') + 1);
    const how = path !== 'breakpoint' ? 'prepared sites' : 'breakpoint';
    for (const named of ['by name', 'by line']) all[`${fn} ${named}`] = `${how}: ${shown} from line ${first}, at line ${first}`;
    all[`${fn} point`] = `at line ${first}`;
  }
  return all;
}

for (const [path, what] of [
  ['breakpoint', 'on breakpoints'],
  ['loaded', 'prepared as it loads (LIVEPROBE_PREPARE)'],
  ['built', 'prepared by `liveprobe prepare`'],
] as const)
  test(`a duration of tsc output's function says it starts at the function's first statement, ${what}`, async (t) => {
    assert.deepEqual(await observe(t, path), expected(path));
  });
