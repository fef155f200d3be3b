/**
 * A body the control plane refuses is reported as the options the user typed, with the value
 * they gave and how to fix it, not as the API's field paths; `--json` keeps the field beside it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, startControlPlane } from '../helpers/index.js';

test('a refused add, edit or token create names each option as typed, with the fix; --json adds the body field', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const server = { server: cp.url };
  const errors = async (args: string[]) => {
    const result = await cli(args, server);
    assert.equal(result.code, 1, result.stdout);
    return result.stderr;
  };

  const snapshot = await errors(['snapshot', 'add', 'src/a.ts:3', '--tag', 'demo', '--watch', 'ok', '--watch', 'a..b']);
  assert.match(snapshot, /^error: --watch "a\.\.b": syntax error at column 3 of `a\.\.b`: .* e\.g\. `order\.total > 100/m);
  assert.doesNotMatch(snapshot, /watches\.1/, 'no API field path for a user who typed options');

  const log = await errors(['log', 'add', 'src/a.ts:3', 'x {a..}', '--tag', 'bad tag', '--condition', 'a >', '--expires', '3y']);
  assert.match(log, /^error: --tag "bad tag": a tag is 1–128 characters/m);
  assert.match(log, /^error: --condition "a >": syntax error/m);
  assert.match(log, /^error: --expires "3y": `3y` is not a duration; write e\.g\. 30s/m);
  assert.match(log, /^error: <template> "x \{a\.\.\}": syntax error/m);

  const counter = await errors(['counter', 'add', 'src/a.ts:3', '--name', '9bad', '--tag', 'x', '--attr', 'tier=a..', '--attr', '9k=v']);
  assert.match(counter, /^error: --name "9bad": a metric name starts with a letter/m);
  assert.match(counter, /^error: --attr "tier=a\.\.": syntax error/m);
  assert.match(counter, /^error: --attr "9k=v": an attribute key starts with a letter/m);

  const tictoc = await errors(['tictoc', 'add', 'src/a.ts:3', 'src/a.ts:9', '--name', 'x y', '--tag', 'x']);
  assert.match(tictoc, /^error: --name "x y": /m);

  const exception = await errors(['exception', 'add', '--tag', 'x', '--message', 'a(', '--file', 'src\\a.ts']);
  assert.match(exception, /^error: --message "a\(": not a regular expression/m);
  assert.match(exception, /^error: --file "src\\a\.ts": write paths with `\/`/m, 'the value quoted as typed, not escaped');

  const hits = await errors(['snapshot', 'add', 'src/a.ts:3', '--tag', 'demo', '--max-hits', '5000']);
  assert.match(hits, /^error: --max-hits 5000: the hit limit is a whole number from 1 to 1,000$/m);

  const created = await cli(['log', 'add', 'src/a.ts:3', 'x', '--tag', 'demo', '--no-wait', '--json'], server);
  assert.equal(created.code, 0, created.stderr);
  const { action } = JSON.parse(created.stdout) as { action: { id: string } };
  const edit = await errors(['actions', 'edit', action.id, '--condition', 'a >']);
  assert.match(edit, /^error: --condition "a >": syntax error/m);

  const token = await errors(['token', 'create', '--name', 'ci', '--tag', 'demo']);
  assert.match(token, /^error: --tag: only agent tokens have tags/m);

  const json = await errors(['snapshot', 'add', 'src/a.ts:3', '--tag', 'demo', '--watch', 'a..b', '--json']);
  assert.match(json, /^error: --watch "a\.\.b": syntax error .* \(field watches\.0\)$/m);
});
