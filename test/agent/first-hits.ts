/**
 * A fresh log action's first hits in an app whose require of @opentelemetry/api is slow once it
 * has registered a context manager (test/fixtures/slow-otel-api): every hit of a few requests in
 * a row is exported, none dropped as sampled. Shared by the agent's tests and test/node-versions.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { DroppedEvent } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents, waitFor } from '../helpers/index.js';
import { addAction, appExportingTo, installed } from './fixtures.js';

const WAIT = 20_000;
const WORK = 'test/fixtures/slow-otel-api/work.cjs';

export interface FirstHitsCase {
  /** Where the action runs: the work file prepared as it loads, or on a breakpoint. */
  site: 'prepared' | 'breakpoint';
  /** When the app registers its context manager: before the action is armed, or in the first request. */
  registerAt: 'start' | 'first-request';
  agentId: string;
  /** The node binary (test/node-versions); default: the tests' own. */
  node?: string;
}

export async function firstHitsDelivered(t: TestContext, { site, registerAt, agentId, node }: FirstHitsCase): Promise<void> {
  const { cp, otlp, service } = await appExportingTo(
    t,
    'test/fixtures/slow-otel-api/server.cjs',
    {
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      REGISTER_AT: registerAt,
      ...(site === 'prepared' ? { LIVEPROBE_PREPARE: fromRoot(WORK), LIVEPROBE_PREPARE_CACHE: 'off' } : {}),
    },
    { module: 'cjs', agentId, ...(node === undefined ? {} : { node }) },
  );
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, {
    type: 'log',
    file: WORK,
    line: lineOf(WORK, 'greeting'),
    template: 'greeting {name}',
    tags: ['e2e'],
  });
  assert.match(await installed(cp, action.id), site === 'prepared' ? /prepared site/ : /^installed: (?!prepared)/);

  const names = ['ada', 'bob', 'cy'];
  for (const name of names) assert.equal(await (await fetch(`${service.url}/?name=${name}`)).text(), `hello ${name}`);
  await waitFor(
    () => otlp.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === action.id).length === names.length,
    WAIT,
    `a record for each of the ${names.length} requests`,
  );
  const bodies = otlp
    .logRecords()
    .filter((r) => r.attributes['liveprobe.action.id'] === action.id)
    .map((r) => r.body);
  assert.deepEqual(
    bodies,
    names.map((name) => `greeting ${name}`),
  );
  const dropped = events
    .events()
    .filter((e) => e.event === 'dropped' && (e.data as DroppedEvent).actionId === action.id)
    .map((e) => (e.data as DroppedEvent).reason);
  assert.deepEqual(dropped, [], 'no hit dropped');
}
