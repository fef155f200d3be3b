// The worker checks each desired state in a context of its own (worker/desired-state-checker.ts),
// so zod does not stay in its heap: what it accepts, fills in and refuses, and the words of the
// refusal, are the protocol schema's own, and what it hands back belongs to the worker's realm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DesiredState } from '@liveprobe/protocol';
import { DesiredStateChecker } from '../../../agent/src/worker/desired-state-checker.js';

const createdAt = '2026-12-05T08:00:00.000Z';
const expiresAt = '2026-12-05T09:00:00.000Z';
/** As the control plane publishes them (optional fields left out), and a field the schema does not know. */
const published = {
  rev: 7,
  actions: [
    {
      id: 'act_log',
      type: 'log',
      file: 'app.js',
      line: 12,
      template: 'order {order.id}',
      level: 'info',
      notInTheSchema: 'dropped',
      tags: [],
      agents: ['a1'],
      maxHits: 100,
      createdAt,
      expiresAt,
    },
    {
      id: 'act_snap',
      type: 'snapshot',
      file: 'app.js',
      line: 20,
      condition: 'order.amount > 3',
      watches: [],
      tags: ['prod'],
      agents: [],
      maxHits: 1,
      createdAt,
      expiresAt,
    },
  ],
};

test('a desired state comes back exactly as the protocol schema parses it, unknown fields dropped', () => {
  const expected = DesiredState.parse(published);
  const parsed = new DesiredStateChecker().parse(JSON.stringify(published));
  assert.ok('state' in parsed, JSON.stringify(parsed));
  assert.deepEqual(parsed.state, expected);
  assert.equal('notInTheSchema' in parsed.state.actions[0]!, false);
});

test("what comes back is the worker's own objects, not the check's context's", () => {
  const parsed = new DesiredStateChecker().parse(JSON.stringify(published));
  assert.ok('state' in parsed);
  assert.equal(Object.getPrototypeOf(parsed.state), Object.prototype);
  assert.equal(Object.getPrototypeOf(parsed.state.actions), Array.prototype);
});

test("a desired state the schema refuses is refused with the schema's own words", () => {
  const bad = { rev: 8, actions: [{ ...published.actions[0], line: 1.5 }] };
  const result = DesiredState.safeParse(bad);
  assert.equal(result.success, false);
  const words = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  const checker = new DesiredStateChecker();
  assert.deepEqual(checker.parse(JSON.stringify(bad)), { issues: words });
  assert.match(words, /^actions\.0\.line: /);
  // The same checker goes on accepting good ones.
  assert.ok('state' in checker.parse(JSON.stringify(published)));
});

test('once a burst is over (its context dropped, the code cache kept), a new context parses and refuses alike', async () => {
  const bad = { rev: 8, actions: [{ ...published.actions[0], line: 1.5 }] };
  const first = new DesiredStateChecker();
  const accepted = first.parse(JSON.stringify(published));
  const refused = first.parse(JSON.stringify(bad));
  assert.ok('issues' in refused);
  // The burst ends 5 s after its last desired state (FORGET_AFTER_MS).
  await new Promise((resolve) => setTimeout(resolve, 5500));
  const again = new DesiredStateChecker();
  assert.deepEqual(again.parse(JSON.stringify(published)), accepted);
  assert.deepEqual(again.parse(JSON.stringify(bad)), refused);
});

test('kept loaded (the session open from start-up), a burst ends without dropping the context: the next desired state is checked in it', async () => {
  const made: boolean[] = [];
  const kept = new DesiredStateChecker((cached) => made.push(cached));
  kept.keepLoaded();
  const accepted = kept.parse(JSON.stringify(published));
  await new Promise((resolve) => setTimeout(resolve, 5500));
  assert.deepEqual(kept.parse(JSON.stringify(published)), accepted);
  assert.equal(made.length, 1, 'one context for both desired states');
  // Without it, the same quiet spell drops the context and the next desired state makes another.
  const dropped: boolean[] = [];
  const plain = new DesiredStateChecker((cached) => dropped.push(cached));
  plain.parse(JSON.stringify(published));
  await new Promise((resolve) => setTimeout(resolve, 5500));
  plain.parse(JSON.stringify(published));
  assert.equal(dropped.length, 2);
});
