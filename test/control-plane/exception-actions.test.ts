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
  assert.equal(action.type === 'exception' && action.frames, 2, 'the throw site and its caller by default');
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

test('bad file globs and frame bounds are refused with what to write instead', async (t) => {
  const { app } = await inProcess(t);
  const bad = async (body: Record<string, unknown>, path: string, message: RegExp) => {
    const response = await postAction(app, { type: 'exception', tags: ['checkout'], ...body });
    assert.equal(response.status, 400, JSON.stringify(body));
    const { error } = (await response.json()) as ErrorBody;
    const issue = error.issues?.find((i) => i.path === path);
    assert.ok(issue, `an issue at ${path} among ${JSON.stringify(error.issues)}`);
    assert.match(issue.message, message);
  };
  await bad({ files: [] }, 'files', /at least one glob, or leave `files` out/);
  await bad({ files: [''] }, 'files.0', /an empty glob matches nothing; write e\.g\. `src\/\*\*`/);
  await bad({ files: ['src\\**\\*.ts'] }, 'files.0', /write paths with `\/`/);
  await bad({ files: ['src/** '] }, 'files.0', /ends with a space/);
  await bad({ frames: 0 }, 'frames', /at least 1 frame: the throw site/);
  await bad({ frames: 9 }, 'frames', /at most 8 frames: each costs a capture while the app is paused/);
  const good = await postAction(app, { type: 'exception', tags: ['checkout'], files: ['src/**', '**/billing/*.ts'], frames: 4 });
  assert.equal(good.status, 201, await good.clone().text());
  const { action } = (await good.json()) as CreatedAction;
  assert.deepEqual(action.type === 'exception' && [action.files, action.frames], [['src/**', '**/billing/*.ts'], 4]);
});
