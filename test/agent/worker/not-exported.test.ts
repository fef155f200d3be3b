// The totals of hits an action did not export, as its status reads them: whole counts grouped
// by thousands (test/protocol/util.test.ts), one entry per reason, the sampled ones with the
// limit they were over; the live stream and the metric name that limit too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentEvent } from '@liveprobe/protocol';
import type { SampledLimit } from '../../../agent/src/bridge.js';
import { NotExported, type NotExportedReason } from '../../../agent/src/worker/not-exported.js';

interface Reported {
  totals: string;
  events: AgentEvent[];
  metric: [NotExportedReason, number, SampledLimit | undefined][];
}

/** Adds the counts to a NotExported and resolves with its first status and what it reported before. */
async function reported(add: (notExported: NotExported) => void): Promise<Reported> {
  const events: AgentEvent[] = [];
  const metric: Reported['metric'] = [];
  // Its timers are unref'd (the agent never keeps an app alive): this test's process waits on them.
  const awake = setInterval(() => {}, 1000);
  const totals = await new Promise<string>((resolve) => {
    const notExported = new NotExported({
      agentId: 'agent-1',
      publish: (event) => events.push(event) > 0,
      metric: (_actionId, reason, count, limit) => metric.push([reason, count, limit]),
      status: (_actionId, text) => {
        notExported.close();
        resolve(text);
      },
    });
    add(notExported);
  });
  clearInterval(awake);
  return { totals, events, metric };
}

const droppedReasons = (events: AgentEvent[]) => events.flatMap((e) => (e.kind === 'dropped' ? [`${e.count} ${e.reason}`] : []));

test("an action's status gives its not-exported totals so far, by reason, the sampled ones by the limit they were over", async () => {
  const { totals, events, metric } = await reported((notExported) => {
    notExported.add('action-1', 'sampled', 12_000, 'rate');
    notExported.add('action-1', 'export_queue_full', 1_000_000);
    notExported.add('action-1', 'sampled', 345, 'cpu');
    notExported.add('action-1', 'sampled', 5, 'rate');
  });
  assert.equal(totals, '12,350 sampled (12,005 over the rate, 345 over the CPU budget), 1,000,000 export queue full');
  // The live stream had them first, once a second, each limit named.
  const reasons = droppedReasons(events);
  assert.ok(
    reasons.some((r) => r.startsWith("12005 sampled: over the action's rate (its ratePerSecond")),
    reasons.join('\n'),
  );
  assert.ok(
    reasons.some((r) => r.startsWith("345 sampled: the agent's CPU budget for the second was spent")),
    reasons.join('\n'),
  );
  assert.deepEqual(metric, [
    ['sampled', 12_005, 'rate'],
    ['export_queue_full', 1_000_000, undefined],
    ['sampled', 345, 'cpu'],
  ]);
});

test('sampled hits over one limit: the status names it once', async () => {
  const { totals, events } = await reported((notExported) => {
    notExported.add('action-1', 'sampled', 40, 'bytes');
    notExported.add('action-1', 'sampled_estimated', 9000);
  });
  assert.equal(totals, '40 sampled (over the output quota), 9,000 sampled while off (estimated)');
  assert.ok(
    droppedReasons(events).some((r) => r.startsWith("40 sampled: over the action's output quota (LIVEPROBE_QUOTA_BYTES_PER_SECOND)")),
  );
});
