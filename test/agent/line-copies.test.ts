/**
 * A line a bundle holds in two places that both run (here a prepared function's twin and its plain
 * body, bundled: the twin's `const total` renamed `total2`, its block holding a binding of its own):
 * a snapshot shows the variables of the place that ran, by the names the source gives them, and a
 * log reads each place's own binding; a hit at either counts toward the one action's hit limit.
 * The bundle and its map are written here by the agent's own mappings writer.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { MappingsWriter } from '../../agent/src/prepare/mappings-writer.js';
import { sseEvents, type SseEvent, tempDir } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 20_000;
const BUNDLE = [
  "'use strict';",
  "const { createServer } = require('node:http');",
  'function price(q) {',
  '  if (q % 2 === 1) {',
  "    const twin = 'odd';",
  '    const total2 = q * 3;',
  '    return `${total2} ${twin}`;',
  '  }',
  '  const total = q * 3;',
  '  return `${total}`;',
  '}',
  'const server = createServer((req, res) => res.end(price(Number(new URL(req.url, "http://x").searchParams.get("q")))));',
  "server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));",
  "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
  '',
].join('\n');
/** src/price.ts: `export function price(q: number): string {` / `  const total = q * 3;` / `  return `${total}`;` / `}` */
const LINE = 3;
/** [generated column, original line, original column, name?], 0-based, per generated line; one source. */
type Segment = [number, number, number] | [number, number, number, number];
const MAPPINGS: Segment[][] = [
  [],
  [],
  [[0, 0, 0]],
  [[2, 0, 0]],
  [],
  // The bundler renamed the twin's `total`: the map names the original at its declaration.
  [
    [4, 1, 2],
    [10, 1, 8, 0],
  ],
  [[4, 2, 2]],
  [],
  [[2, 1, 2]],
  [[2, 2, 2]],
];

async function bundle(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-line-copies-');
  t.after(() => dir.remove());
  const writer = new MappingsWriter();
  MAPPINGS.forEach((segments, index) => {
    if (index > 0) writer.nextLine();
    for (const [column, line, sourceColumn, name] of segments) writer.segment(column, 0, line, sourceColumn, name ?? -1);
  });
  const map = { version: 3, sources: ['../src/price.ts'], names: ['total'], mappings: writer.toString() };
  await mkdir(join(dir.path, 'dist'));
  const script = join(dir.path, 'dist', 'bundle.cjs');
  await writeFile(script, `${BUNDLE}//# sourceMappingURL=bundle.cjs.map\n`);
  await writeFile(`${script}.map`, JSON.stringify(map));
  return script;
}

const status = (actionId: string, state: string) => (e: SseEvent) =>
  e.event === 'action_status' &&
  (e.data as { actionId: string; state: string }).actionId === actionId &&
  (e.data as { state: string }).state === state;

test('a snapshot on a line held in two places shows the variables of the place that ran, by their names in the source', async (t) => {
  const script = await bundle(t);
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script, broker: cp.mqttUrl, module: 'cjs' });
  const { action } = await addAction(cp, { type: 'snapshot', file: 'src/price.ts', line: LINE, tags: ['e2e'], maxHits: 10 });
  const installed = await events.waitFor(status(action.id, 'installed'), WAIT, 'the snapshot installs');
  assert.match((installed.data as { message: string }).message, /sits in 2 places/);

  assert.equal(await (await fetch(`${shop.url}/?q=3`)).text(), '9 odd');
  const twin = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot at the first place');
  assert.deepEqual(find(twin.snapshot.arguments, 'q'), { t: 'number', v: 3 });
  assert.deepEqual(find(twin.snapshot.locals, 'total'), { t: 'number', v: 9 }, "the twin's `total2`, named as in the source");
  assert.deepEqual(find(twin.snapshot.locals, 'twin'), { t: 'string', v: 'odd' });

  assert.equal(await (await fetch(`${shop.url}/?q=4`)).text(), '12');
  const plain = await snapshots.waitFor((e) => e.actionId === action.id && e !== twin, WAIT, 'the snapshot at the second place');
  assert.deepEqual(find(plain.snapshot.arguments, 'q'), { t: 'number', v: 4 });
  assert.deepEqual(
    plain.snapshot.locals.map((l) => [l.name, l.value]),
    [['total', { t: 'number', v: 12 }]],
    'only what is in scope there: no binding of the twin',
  );
});

test('a log on a line held in two places reads each place’s own binding, and a hit at either counts toward the hit limit', async (t) => {
  const script = await bundle(t);
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script, broker: cp.mqttUrl, module: 'cjs' });
  const { action } = await addAction(cp, {
    type: 'log',
    file: 'src/price.ts',
    line: LINE,
    template: 'q={q} total={total}',
    tags: ['e2e'],
    maxHits: 3,
  });
  await events.waitFor(status(action.id, 'installed'), WAIT, 'the log installs');

  for (const q of [3, 4, 5]) await fetch(`${shop.url}/?q=${q}`);
  await events.waitFor(status(action.id, 'hit_limit'), WAIT, 'three hits, at either place, reach the limit of 3');
  const lines = events
    .events()
    .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id)
    .map((e) => (e.data as OutputEvent).message);
  assert.deepEqual(lines, ['q=3 total=9', 'q=4 total=12', 'q=5 total=15']);
});
