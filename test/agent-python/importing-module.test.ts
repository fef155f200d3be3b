// An action added while its module is still being imported (an app that serves, then imports a
// module whose body pauses): the function the body already defined is placed and hits at once;
// a function and a method it has not reached yet wait (`pending`, saying why) and are placed once
// the import finishes, and then hit. Placed at once, on Python 3.11 they said `installed` and
// never hit (a gunicorn worker whose agent got the action while it imported the app did so).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { FIXTURES, startPythonApp } from './python-app.js';

const WAIT = 20_000;
const MODULE = `${FIXTURES}/slow_import.py`;
const data = (e: SseEvent) => e.data as { actionId?: string; state?: string; message?: string };
const status = (actionId: string, state: string) => (e: SseEvent) =>
  e.event === 'action_status' && data(e).actionId === actionId && data(e).state === state;

test('an action on a function a module still importing has not defined yet waits, then installs and hits once the import finishes', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const gate = join(mkdtempSync(join(tmpdir(), 'liveprobe-importing-')), 'go-on');
  const app = await startPythonApp(t, {
    script: 'importing_app.py',
    broker: cp.mqttUrl,
    tags: ['importing'],
    agentId: 'importing',
    env: { GATE_FILE: gate },
  });
  await waitFor(() => app.output().includes('slow_import paused'), WAIT, 'slow_import to pause in its import');
  const call = () => fetch(`${app.url}/call`).then((r) => r.json());
  assert.deepEqual(await call(), { before: 2, after: null, method: null });

  const ids: Record<string, string> = {};
  for (const [name, marker] of [
    ['before', 'before-pause'],
    ['after', 'after-pause'],
    ['method', 'method-after-pause'],
  ] as const) {
    const { action } = await addAction(cp, {
      type: 'log',
      file: 'slow_import.py',
      line: lineOf(MODULE, marker),
      template: `${name} {n}`,
      tags: ['importing'],
    });
    ids[name] = action.id;
  }
  await events.waitFor(status(ids.before!, 'installed'), WAIT, 'the action on the defined function installed');
  for (const [name, qualname] of [
    ['after', 'after'],
    ['method', 'Shop.checkout'],
  ] as const) {
    const pending = data(
      await events.waitFor((e) => e.event === 'action_status' && data(e).actionId === ids[name], WAIT, `${name}'s status`),
    );
    assert.equal(pending.state, 'pending', pending.message);
    assert.match(
      pending.message!,
      new RegExp(`^\`${qualname.replace('.', '\\.')}\` in \\S+slow_import\\.py is not defined yet: the module is still running its body`),
    );
  }
  assert.deepEqual(await call(), { before: 2, after: null, method: null });
  await events.waitFor(
    (e) => e.event === 'output' && data(e).actionId === ids.before && data(e).message === 'before 1',
    WAIT,
    'the line of `before`',
  );

  writeFileSync(gate, '');
  await waitFor(() => app.output().includes('slow_import imported'), WAIT, 'the import to finish');
  await events.waitFor(status(ids.after!, 'installed'), WAIT, '`after` installed once defined');
  await events.waitFor(status(ids.method!, 'installed'), WAIT, '`Shop.checkout` installed once defined');
  assert.deepEqual(await call(), { before: 2, after: 4, method: 2 });
  for (const [name, line] of [
    ['after', 'after 2'],
    ['method', 'method 3'],
  ] as const) {
    await events.waitFor(
      (e) => e.event === 'output' && data(e).actionId === ids[name] && data(e).message === line,
      WAIT,
      `the line of ${name}`,
    );
  }
});
