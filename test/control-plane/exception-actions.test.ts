import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionView, CreatedAction } from '@liveprobe/protocol';
import type { ErrorBody } from '@liveprobe/control-plane';
import { inProcess, postAction } from './fixtures.js';

test('an exception action needs no file or line: it is created with its defaults, listed and described by what it catches', async (t) => {
  const { app } = await inProcess(t);
  const response = await postAction(app, { type: 'exception', tags: ['checkout'], errorType: 'ValidationError' });
  assert.equal(response.status, 201, await response.clone().text());
  const { action } = (await response.json()) as CreatedAction;
  assert.equal(action.type, 'exception');
  assert.equal(action.type === 'exception' && action.ratePerMinute, 3, 'three snapshots a minute per stack by default');
  assert.equal(action.maxHits, 100);
  const listed = (await (await app.request('/api/v1/actions')).json()) as { actions: ActionView[] };
  assert.deepEqual(
    listed.actions.map((a) => [a.id, a.type]),
    [[action.id, 'exception']],
  );
});

test('bad exception filters are refused field by field, and a location is not accepted', async (t) => {
  const { app } = await inProcess(t);
  const response = await postAction(app, {
    type: 'exception',
    tags: ['checkout'],
    file: 'src/server.ts',
    errorType: 'not a class',
    messagePattern: 'timeout(',
    ratePerMinute: 0,
  });
  assert.equal(response.status, 400);
  const { error } = (await response.json()) as ErrorBody;
  const issue = (path: string) => error.issues?.find((i) => i.path === path)?.message ?? '';
  assert.deepEqual(error.issues?.map((i) => i.path).sort(), ['errorType', 'file', 'messagePattern', 'ratePerMinute']);
  assert.match(issue('errorType'), /name an error class, e\.g\. `TypeError`/);
  assert.match(issue('messagePattern'), /not a regular expression .*; write e\.g\./);
  assert.match(issue('ratePerMinute'), /at least 1 snapshot a minute per stack/);
});
