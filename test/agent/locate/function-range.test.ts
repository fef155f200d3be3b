/**
 * A duration named by the line that declares its function: an editor's cursor, or a user
 * reading a NestJS service, names the method's own line (`async findAll(input) {`), which a
 * tsc source map maps to the method's key, before the function's parameters. That line, and
 * those of an object method, a const arrow, a class field and an exported function, used to
 * be refused as "not inside a function" (the exported one measured nothing), on breakpoints
 * and on prepared sites alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { lineOf } from '../../helpers/index.js';
import { addAction, appExportingTo, installed } from '../fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/declared-functions.mjs';
const DECLARED = [
  { marker: 'class-method', fn: 'findAll' },
  { marker: 'class-field', fn: 'count' },
  { marker: 'object-method', fn: 'total' },
  { marker: 'const-arrow', fn: 'double' },
  { marker: 'exported-function', fn: 'shout' },
  { marker: 'multi-line-params', fn: 'scale' },
];

for (const [path, env] of [
  ['breakpoints', {}],
  ['prepared sites', { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' }],
] as const) {
  test(`on ${path}, a duration at the line declaring a method, arrow or function measures that function`, async (t) => {
    const { cp, otlp, service } = await appExportingTo(t, APP, env);
    const statuses: Record<string, string> = {};
    for (const { marker } of DECLARED) {
      const { action } = await addAction(cp, {
        type: 'duration',
        file: APP,
        line: lineOf(APP, marker),
        name: `declared.${marker}`,
        tags: ['e2e'],
      });
      statuses[marker] = await installed(cp, action.id, WAIT);
    }
    for (const { marker, fn } of DECLARED) {
      // Where its timer starts: its first statement, on every path (on a prepared file's breakpoint it was the declaring line).
      const first = lineOf(APP, `${marker}-first`);
      assert.match(
        statuses[marker] ?? '',
        new RegExp(`^installed: .*measuring ${fn} from line ${first} to `),
        `${marker}: ${JSON.stringify(statuses)}`,
      );
    }
    assert.equal(await (await fetch(`${service.url}/run`)).text(), '2 1 3 8 hi! 6', 'the app computes the same');
    for (const { marker, fn } of DECLARED) {
      const point = await otlp.waitForMetric((p) => p.name === `declared.${marker}` && p.count === 1, WAIT, `${marker} measured once`);
      assert.equal(point.attributes['code.function.name'], fn, marker);
    }
  });
}
