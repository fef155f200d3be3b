/**
 * `liveprobe attach --pid` to a service running on Node 22 and 24 with no flags: the sidecar (on
 * the tests' Node) opens the target's inspector with SIGUSR1 and drives it over CDP, whose
 * protocol is the target's V8's; a log and a snapshot work and detaching leaves it as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor } from '../helpers/index.js';
import { addAction, controlPlane, installed } from '../agent/fixtures.js';
import { attachCli, inspectorAnswers, plainNodeService, sidecarOffline, snapshot, snapshotsOf, TARGET, WAIT } from '../attach/fixtures.js';
import { nodeBinary, PINNED_MAJORS } from './node-binaries.js';

const INSPECTOR_PORT = 9229;
const UNTOUCHED = { hook: false, binding: false, inspector: null };

for (const major of PINNED_MAJORS) {
  test(`attach --pid to a Node ${major} process started without flags: a log and a snapshot work, and detaching leaves it as it was`, async (t) => {
    const node = nodeBinary(major);
    assert.equal(await inspectorAnswers(INSPECTOR_PORT), false, `something already listens on ${INSPECTOR_PORT}; this test needs it free`);
    const cp = await controlPlane(t);
    const service = await plainNodeService(t, node);
    assert.deepEqual(await (await fetch(`${service.url}/state`)).json(), UNTOUCHED);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const agentId = `sidecar-node${major}`;
    const sidecar = await attachCli(t, ['--pid', String(service.child.pid), '--tag', 'attached', '--agent-id', agentId], cp);
    assert.match(sidecar.child.output(), new RegExp(`attached to node v${major}\\.\\d+\\.\\d+ pid ${service.child.pid} `));

    const line = lineOf(TARGET, 'greet');
    const log = await addAction(cp, { type: 'log', file: TARGET, line, template: 'greeting {name} as #{count}', tags: ['attached'] });
    const snap = await addAction(cp, { type: 'snapshot', file: TARGET, line, tags: ['attached'] });
    for (const id of [log.action.id, snap.action.id]) assert.match(await installed(cp, id, WAIT), /^installed/);
    assert.equal(await (await fetch(`${service.url}/?name=ada`)).text(), 'hello ada #1');
    const output = await events.waitFor(
      (e) => e.event === 'output' && (e.data as OutputEvent).actionId === log.action.id,
      WAIT,
      'the log line',
    );
    assert.equal((output.data as OutputEvent).message, 'greeting ada as #1');
    const summary = await waitFor(async () => (await snapshotsOf(cp, snap.action.id))[0], WAIT, 'the snapshot stored');
    const { snapshot: captured } = await snapshot(cp, summary.id);
    assert.deepEqual(captured.arguments, [
      { name: 'name', value: { t: 'string', v: 'ada' } },
      { name: 'count', value: { t: 'number', v: 1 } },
    ]);

    assert.equal(await sidecar.detach(), 0, sidecar.child.output());
    await sidecarOffline(cp, agentId);
    assert.deepEqual(await (await fetch(`${service.url}/state`)).json(), UNTOUCHED, 'no hook, no binding, inspector closed');
    assert.equal(await (await fetch(`${service.url}/?name=bo`)).text(), 'hello bo #2', 'it keeps serving');
    assert.doesNotMatch(service.child.output(), /Error|Warning/, 'the service printed no error');
  });
}
