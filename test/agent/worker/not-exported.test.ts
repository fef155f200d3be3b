// The totals of hits an action did not export, as its status reads them: whole counts grouped
// by thousands (test/protocol/util.test.ts), one entry per reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentEvent } from '@liveprobe/protocol';
import { NotExported } from '../../../agent/src/worker/not-exported.js';

test("an action's status gives its not-exported totals so far, by reason", async () => {
  const events: AgentEvent[] = [];
  // Its timers are unref'd (the agent never keeps an app alive): this test's process waits on them.
  const awake = setInterval(() => {}, 1000);
  const status = new Promise<{ actionId: string; totals: string }>((resolve) => {
    const notExported = new NotExported({
      agentId: 'agent-1',
      publish: (event) => events.push(event) > 0,
      metric: () => {},
      status: (actionId, totals) => {
        notExported.close();
        resolve({ actionId, totals });
      },
    });
    notExported.add('action-1', 'sampled', 12_000);
    notExported.add('action-1', 'sampled', 345);
    notExported.add('action-1', 'export_queue_full', 1_000_000);
  });
  const reported = await status;
  clearInterval(awake);
  assert.deepEqual(reported, { actionId: 'action-1', totals: '12,345 sampled, 1,000,000 export queue full' });
  // The live stream had them first, once a second.
  assert.ok(events.some((e) => e.kind === 'dropped' && e.actionId === 'action-1'));
});
