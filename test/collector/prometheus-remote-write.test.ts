// collector-config/prometheus-remote-write.yaml, end to end: the collector pushes the agent's
// metrics to a real Prometheus (Debian's) running its remote-write receiver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, prometheus, startApp, startCollector, startControlPlane, waitFor } from '../helpers/index.js';
import { addAction, checkout } from '../agent/fixtures.js';

const WAIT = 30_000;
const SERVER_TS = 'examples/shop/src/server.ts';

test('a counter action reaches Prometheus by remote write, with job, instance and the action’s labels', async (t) => {
  const prom = await prometheus({ remoteWriteReceiver: true });
  t.after(() => prom.stop());
  const collector = await startCollector({
    configs: ['collector-config/prometheus-remote-write.yaml'],
    reach: { prometheus: prom.url },
    env: (inside) => ({ PROMETHEUS_REMOTE_WRITE_URL: `${inside.prometheus!}/api/v1/write` }),
  });
  t.after(() => collector.stop());
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const shop = await startApp({
    script: 'examples/shop/dist/server.js',
    module: 'esm',
    broker: cp.mqttUrl,
    tags: ['e2e'],
    agentId: 'remote-write-1',
    // This variant carries metrics only, so the app sends nothing else.
    env: {
      ...collector.otelEnv('grpc'),
      OTEL_SERVICE_NAME: 'shop',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
    },
  });
  t.after(() => shop.stop());

  const line = lineOf(SERVER_TS, 'checkout-return');
  const { action } = await addAction(cp, { type: 'counter', file: SERVER_TS, line, name: 'shop.checkouts', tags: ['e2e'] });
  await waitFor(
    async () => {
      const view = (await (await fetch(`${cp.url}/api/v1/actions/${action.id}`)).json()) as { statuses: { state: string }[] };
      return view.statuses.some((s) => s.state === 'installed');
    },
    WAIT,
    'the counter installed',
  );
  for (const user of ['u1', 'u2']) assert.equal((await checkout(shop.url, user)).status, 200);

  const [series] = await prom.waitForQuery(
    `shop_checkouts_total{liveprobe_action_id="${action.id}"}`,
    (s) => s[0]?.value === 2,
    WAIT,
    'two checkouts written to Prometheus',
  );
  assert.equal(series!.labels.job, 'shop');
  assert.equal(series!.labels.instance, 'remote-write-1');
  assert.equal(series!.labels.code_line_number, String(line));
  assert.equal(series!.labels.code_function_name, 'checkout');
  // Resource attributes go to target_info, joined on job and instance.
  const [info] = await prom.query('target_info{instance="remote-write-1"}');
  assert.equal(info?.labels.job, 'shop');
});
