/**
 * The prepared fixture's shop with the agent, its work module prepared as it loads (no cache), a
 * control plane, an OTLP receiver exporting every half second and the live stream: the set-up of
 * the tests of hot prepared lines (sampling, floods, counters).
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { OutputEvent } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { otlpReceiver, sseEvents, waitFor } from '../../helpers/index.js';
import { app, controlPlane } from '../fixtures.js';

export const PREPARED_WORK = 'test/fixtures/prepared/work.mjs';

export async function preparedShop(t: TestContext, agentId: string, env: Record<string, string> = {}) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const shop = await app(t, {
    script: 'test/fixtures/prepared/server.mjs',
    broker: cp.mqttUrl,
    agentId,
    env: {
      ...otlp.env('http/protobuf'),
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      WORK_MODULE: 'esm',
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/*.mjs,!**/server.mjs`,
      LIVEPROBE_PREPARE_CACHE: 'off',
      // The start-up report says how many files were prepared only at debug level.
      LIVEPROBE_LOG_LEVEL: 'debug',
      ...env,
    },
  });
  await waitFor(() => /prepared [1-9]\d* files/.test(shop.output()), 20_000, 'the start-up report');
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  /** The hits the action's console lines add up to. */
  const linesSum = (actionId: string) =>
    events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId)
      .reduce((sum, e) => sum + ((e.data as OutputEvent).hits ?? 0), 0);
  const repeat = async (n: number) => assert.equal((await fetch(`${shop.url}/repeat?n=${n}`)).status, 200);
  return { cp, otlp, shop, events, linesSum, repeat };
}
