// Exception actions on a target reached with `liveprobe attach`: capturing a thrown error pauses
// the app, and an attached target is never paused, so each is refused with a status that says
// what to do instead, and the target's other actions keep working.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent, OutputEvent } from '@liveprobe/protocol';
import { Child, builtFile } from '@liveprobe/harness';
import { lineOf, sseEvents, type SseEvent } from '../helpers/index.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { attachCli, TARGET, WAIT } from './fixtures.js';

const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as ActionStatusEvent).actionId === actionId &&
  (event.data as ActionStatusEvent).state === state;

test('attach --inspect to a Node process started with --inspect=0: an exception action is refused with a clear status; a log action beside it keeps printing', async (t) => {
  const cp = await controlPlane(t);
  const service = new Child(process.execPath, ['--inspect=127.0.0.1:0', builtFile(TARGET)], { name: 'inspected service' });
  t.after(() => service.stop('SIGKILL'));
  const [, endpoint] = await service.waitForMatch(/Debugger listening on ws:\/\/(127\.0\.0\.1:\d+)\//, WAIT, 'the inspector port');
  const url = (await service.waitForLine((text) => text.startsWith('listening on '), WAIT, '`listening on`')).slice('listening on '.length);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  await attachCli(t, ['--inspect', endpoint!, '--tag', 'attached', '--agent-id', 'sidecar-exc'], cp);

  const log = await addAction(cp, {
    type: 'log',
    file: TARGET,
    line: lineOf(TARGET, 'greet'),
    template: 'greeting {name}',
    tags: ['attached'],
  });
  await events.waitFor(isStatus(log.action.id, 'installed'), WAIT, 'the log action installed');
  const exception = await addAction(cp, { type: 'exception', tags: ['attached'] });
  const refused = await events.waitFor(isStatus(exception.action.id, 'error'), WAIT, 'the exception action refused');
  const message = (refused.data as ActionStatusEvent).message ?? '';
  assert.match(message, /exception actions need the in-process agent \(node --import @liveprobe\/agent\/register\)/);
  assert.match(message, /`liveprobe attach` never pauses its target/);

  // The refusal opened no debugger session of its own: the log action's breakpoint is still set.
  assert.equal(await (await fetch(`${url}/?name=ada`)).text(), 'hello ada #1');
  const output = await events.waitFor(
    (e) => e.event === 'output' && (e.data as OutputEvent).actionId === log.action.id,
    WAIT,
    'the log line after the refusal',
  );
  assert.equal((output.data as OutputEvent).message, 'greeting ada');
  const shown = await (await fetch(`${cp.url}/api/v1/actions/${exception.action.id}`)).json();
  assert.deepEqual(
    (shown as { statuses: { agentId: string; state: string }[] }).statuses.map((s) => [s.agentId, s.state]),
    [['sidecar-exc', 'error']],
  );
});
