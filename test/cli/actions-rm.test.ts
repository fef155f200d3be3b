/** `liveprobe actions rm` takes several ids; one that cannot be removed does not stop the others. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, startControlPlane } from '../helpers/index.js';

async function addLogs(as: { server: string; token: string }, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const added = await cli(['log', 'add', `src/server.ts:${40 + i}`, 'x', '--tag', 'demo', '--no-wait', '--json'], as);
    assert.equal(added.code, 0, added.stderr);
    ids.push((JSON.parse(added.stdout) as { action: { id: string } }).action.id);
  }
  return ids;
}

async function remaining(as: { server: string; token: string }): Promise<string[]> {
  const listed = await cli(['actions', '--json'], as);
  return (JSON.parse(listed.stdout) as { actions: { id: string }[] }).actions.map((a) => a.id).sort();
}

test('several ids are removed in one command, as people and scripts read it', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const as = { server: cp.url, token: cp.token! };
  const [a, b, c, d] = await addLogs(as, 4);

  const human = await cli(['actions', 'rm', a!, b!], as);
  assert.equal(human.code, 0, human.stderr);
  assert.deepEqual(human.stdout.trim().split('\n'), [`deleted ${a}`, `deleted ${b}`]);

  const json = await cli(['actions', 'rm', c!, d!, c!, '--json'], as);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), { deleted: [c, d] });
  assert.deepEqual(await remaining(as), []);
});

test('an id that cannot be removed is reported with the ids removed beside it, and the rest are still removed', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const as = { server: cp.url, token: cp.token! };
  const [a, b, c, d] = await addLogs(as, 4);
  const missing = 'act_doesnotexist';

  const human = await cli(['actions', 'rm', a!, missing, b!], as);
  assert.equal(human.code, 1);
  assert.deepEqual(human.stdout.trim().split('\n'), [`deleted ${a}`, `deleted ${b}`]);
  assert.match(human.stderr, new RegExp(`error: 1 of 3 actions not removed: ${missing} \\(.+\\); removed: ${a}, ${b}`));

  const json = await cli(['actions', 'rm', missing, c!, '--json'], as);
  assert.equal(json.code, 1);
  const body = JSON.parse(json.stdout) as { error: { code: string }; deleted: string[]; failed: { id: string; code: string }[] };
  assert.equal(body.error.code, 'not_all_removed');
  assert.deepEqual(body.deleted, [c]);
  assert.deepEqual(
    body.failed.map((f) => [f.id, f.code]),
    [[missing, 'not_found']],
  );
  assert.deepEqual(await remaining(as), [d]);

  // One id fails as it always did: the control plane's own error.
  const one = await cli(['actions', 'rm', missing, '--json'], as);
  assert.equal(one.code, 1);
  assert.equal((JSON.parse(one.stdout) as { error: { code: string } }).error.code, 'not_found');
});
