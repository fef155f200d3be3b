// The default collector config, end to end: an app with the agent exports OTLP to the collector
// built from collector-config/builder-config.yaml running otel-collector.yaml, which routes to a
// real Prometheus (Debian's, scraping the collector), a Loki stand-in and a Datadog stand-in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  datadogIntake,
  lineOf,
  lokiStandIn,
  prometheus,
  startApp,
  startCollector,
  startControlPlane,
  type App,
  type Collector,
  type ControlPlane,
  type DatadogIntake,
  type LokiStandIn,
  type Prometheus,
} from '../helpers/index.js';
import { addAction, checkout } from '../agent/fixtures.js';
import { fromRoot } from '@liveprobe/harness';

const WAIT = 30_000;
const SHOP = 'examples/shop/dist/server.js';
const SERVER_TS = 'examples/shop/src/server.ts';
const RETURN_LINE = lineOf(SERVER_TS, 'checkout-return');
const AGENT_ID = 'collector-e2e';
// A made-up key in the format of a live Stripe key (assembled here so that secret scanners do not
// flag this file). None of the agent's default value patterns (cards, bearer, JWT) knows it, so
// only the collector's redaction stands between it and the backends.
const SECRET = ['sk', 'live', 'Xq7Tn2Vb9Lm4Kp8Rs3Wd6Yh1'].join('_');

let datadog: DatadogIntake;
let loki: LokiStandIn;
let collector: Collector;
let prom: Prometheus;
let cp: ControlPlane;
let shop: App;

before(async () => {
  datadog = await datadogIntake();
  loki = await lokiStandIn();
  collector = await startCollector({
    configs: ['otel-collector.yaml'],
    reach: { datadog: datadog.url, loki: loki.otlpEndpoint },
    env: (inside) => ({
      DD_API_KEY: 'test-api-key',
      DD_METRICS_ENDPOINT: inside.datadog!,
      DD_LOGS_ENDPOINT: inside.datadog!,
      DD_TRACES_ENDPOINT: inside.datadog!,
      LOKI_OTLP_ENDPOINT: `${inside.loki!}/otlp`,
    }),
  });
  prom = await prometheus({ scrape: [collector.prometheusTarget] });
  cp = await startControlPlane();
  shop = await startApp({
    script: SHOP,
    module: 'esm',
    broker: cp.mqttUrl,
    tags: ['e2e'],
    agentId: AGENT_ID,
    env: {
      ...collector.otelEnv('http/protobuf'),
      OTEL_SERVICE_NAME: 'shop',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
    },
  });
});

after(async () => {
  // Each one is stopped even when another fails to.
  for (const stop of [
    () => shop?.stop(),
    () => cp?.stop(),
    () => prom?.stop(),
    () => collector?.stop(),
    () => loki?.stop(),
    () => datadog?.stop(),
  ]) {
    await Promise.resolve(stop()).catch((error: unknown) => console.error(error));
  }
});

async function installed(actionId: string): Promise<void> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const view = (await (await fetch(`${cp.url}/api/v1/actions/${actionId}`)).json()) as {
      statuses: { agentId: string; state: string; message?: string }[];
    };
    const status = view.statuses.find((s) => s.agentId === AGENT_ID);
    if (status?.state === 'installed') return;
    if (status?.state === 'error') throw new Error(`${actionId} failed to install: ${status.message ?? ''}`);
    if (Date.now() > deadline) throw new Error(`${actionId} not installed after ${WAIT} ms: ${JSON.stringify(view.statuses)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a counter and a duration action reach a real Prometheus through otel-collector.yaml, labelled with the action and the code location', async () => {
  const counter = await addAction(cp, { type: 'counter', file: SERVER_TS, line: RETURN_LINE, name: 'shop.checkouts', tags: ['e2e'] });
  const duration = await addAction(cp, {
    type: 'duration',
    file: SERVER_TS,
    function: 'checkout',
    name: 'shop.checkout.duration',
    tags: ['e2e'],
  });
  await installed(counter.action.id);
  await installed(duration.action.id);
  for (const user of ['u1', 'u2', 'u1']) assert.equal((await checkout(shop.url, user)).status, 200);

  const [series] = await prom.waitForQuery(
    `shop_checkouts_total{liveprobe_action_id="${counter.action.id}"}`,
    (samples) => samples[0]?.value === 3,
    WAIT,
    'three checkouts counted in Prometheus',
  );
  const labels = series!.labels;
  assert.equal(labels.job, 'shop', 'job is service.name');
  assert.equal(labels.instance, AGENT_ID, 'instance is service.instance.id, the agent id');
  assert.equal(labels.code_line_number, String(RETURN_LINE));
  assert.equal(labels.code_function_name, 'checkout');
  assert.match(labels.code_file_path ?? '', /examples\/shop\/src\/server\.ts$/);

  // The duration histogram: one observation per checkout, each a fraction of a second.
  const id = duration.action.id;
  await prom.waitForQuery(
    `sum(shop_checkout_duration_seconds_count{liveprobe_action_id="${id}"})`,
    (s) => s[0]?.value === 3,
    WAIT,
    'three durations',
  );
  const [sum] = await prom.query(`sum(shop_checkout_duration_seconds_sum{liveprobe_action_id="${id}"})`);
  assert.ok(sum !== undefined && sum.value > 0 && sum.value < 3, `sum of three checkout durations: ${sum?.value} s`);
  const [p99] = await prom.query(
    `histogram_quantile(0.99, sum by (le) (shop_checkout_duration_seconds_bucket{liveprobe_action_id="${id}"}))`,
  );
  assert.ok(p99 !== undefined && Number.isFinite(p99.value), `p99 from the buckets: ${p99?.value}`);
  const [count] = await prom.query(`shop_checkout_duration_seconds_count{liveprobe_action_id="${id}"}`);
  assert.equal(count?.labels.code_function_name, 'checkout');
  assert.equal(count?.labels.liveprobe_outcome, 'return');
});

test('the Datadog exporter delivers the counter as a series and the duration as a distribution, tagged with the action id', async () => {
  const counter = await addAction(cp, { type: 'counter', file: SERVER_TS, line: RETURN_LINE, name: 'shop.dd.checkouts', tags: ['e2e'] });
  const duration = await addAction(cp, {
    type: 'duration',
    file: SERVER_TS,
    function: 'checkout',
    name: 'shop.dd.checkout.duration',
    tags: ['e2e'],
  });
  await installed(counter.action.id);
  await installed(duration.action.id);
  const tagged = (tags: string[], id: string) => tags.includes(`liveprobe.action.id:${id}`);
  const counted = () =>
    datadog
      .series()
      .filter((s) => s.metric === 'shop.dd.checkouts' && tagged(s.tags, counter.action.id))
      .flatMap((s) => s.points)
      .reduce((n, p) => n + p.value, 0);
  // Datadog takes a cumulative histogram's first export as the baseline and sends the increase
  // after it as a distribution, so one checkout comes first and two after it reached Datadog.
  assert.equal((await checkout(shop.url, 'u1')).status, 200);
  await waitUntil(
    () => counted() === 1,
    'the first checkout counted in Datadog',
    () => `counted ${counted()}`,
  );
  for (const user of ['u1', 'u2']) assert.equal((await checkout(shop.url, user)).status, 200);
  // Cumulative sums become Datadog counts of the increase between exports: they add up to 3.
  await waitUntil(
    () => counted() === 3,
    'three checkouts counted in Datadog',
    () => `counted ${counted()}; series: ${JSON.stringify(datadog.series().map((s) => s.metric))}`,
  );
  const series = datadog.series().find((s) => s.metric === 'shop.dd.checkouts' && tagged(s.tags, counter.action.id))!;
  assert.equal(series.type, 1, 'a Datadog count');
  for (const tag of [`code.line.number:${RETURN_LINE}`, 'code.function.name:checkout'])
    assert.ok(series.tags.includes(tag), `${tag} in ${series.tags.join(', ')}`);
  assert.ok(
    series.tags.some((t) => /^code\.file\.path:.*examples\/shop\/src\/server\.ts$/.test(t)),
    series.tags.join(', '),
  );

  // The two checkouts may fall into one export or two.
  const sketches = () => datadog.sketches().filter((s) => s.metric === 'shop.dd.checkout.duration' && tagged(s.tags, duration.action.id));
  const observed = () => sketches().reduce((n, s) => n + s.count, 0);
  await waitUntil(
    () => observed() === 2,
    'two durations in Datadog distributions',
    () => `observed ${observed()}`,
  );
  assert.ok(sketches()[0]!.tags.includes('code.function.name:checkout'), sketches()[0]!.tags.join(', '));
  assert.ok(datadog.requests().includes('GET /api/v1/validate'), 'the exporter checked its API key');
  assert.deepEqual(datadog.errors(), []);
});

test('a log action reaches Loki and Datadog, and the collector masks a secret the agent let through', async () => {
  const log = await addAction(cp, {
    type: 'log',
    file: SERVER_TS,
    line: RETURN_LINE,
    template: `order {order.id} charged with key ${SECRET}`,
    tags: ['e2e'],
  });
  await installed(log.action.id);
  const order = (await (await checkout(shop.url, 'u2')).json()) as { id: number };
  const expected = `order ${order.id} charged with key ****`;

  const record = await loki.waitForLog(
    (r) => r.attributes['liveprobe.action.id'] === log.action.id,
    WAIT,
    'the record in the Loki stand-in',
  );
  assert.equal(record.body, expected);
  assert.equal(record.attributes['redaction.body.masked.count'], 1, 'masked by the collector, not by the agent');
  assert.equal(record.attributes['code.line.number'], RETURN_LINE);
  assert.equal(record.attributes['code.function.name'], 'checkout');
  assert.equal(record.resource['service.name'], 'shop');
  assert.equal(record.resource['service.instance.id'], AGENT_ID);

  const event = await datadog.waitForLog(
    (l) => l.attributes['liveprobe.action.id'] === log.action.id,
    WAIT,
    'the log in the Datadog stand-in',
  );
  assert.equal(event.message, expected);
  assert.equal(event.service, 'shop');
  assert.equal(event.status.toLowerCase(), 'info');
  assert.equal(event.attributes['code.function.name'], 'checkout');

  const everything = JSON.stringify([loki.records(), datadog.logs(), datadog.series()]);
  assert.ok(!everything.includes(SECRET), 'the secret reached a backend');
  assert.deepEqual([...loki.errors(), ...datadog.errors()], []);
});

test('a snapshot span takes the liveprobe traces route to Datadog', async () => {
  const snapshot = await addAction(cp, { type: 'snapshot', file: SERVER_TS, line: RETURN_LINE, tags: ['e2e'] });
  await installed(snapshot.action.id);
  assert.equal((await checkout(shop.url, 'u1')).status, 200);
  const payload = await datadog.waitForTracePayload(
    (p) => p.includes(snapshot.action.id),
    WAIT,
    'the snapshot span in a Datadog trace payload',
  );
  assert.ok(payload.includes(`snapshot `) && payload.includes('server.ts:'), 'the span is named snapshot <file>:<line>');
});

test('a metric attribute that looks like a secret is masked before Prometheus and Datadog see it', async () => {
  const counter = await addAction(cp, {
    type: 'counter',
    file: SERVER_TS,
    line: RETURN_LINE,
    name: 'shop.charges',
    tags: ['e2e'],
    attributes: { 'payment.key': `"${SECRET}"`, user: 'userId' },
  });
  await installed(counter.action.id);
  assert.equal((await checkout(shop.url, 'u1')).status, 200);

  const [series] = await prom.waitForQuery(
    `shop_charges_total{liveprobe_action_id="${counter.action.id}"}`,
    (s) => s[0]?.value === 1,
    WAIT,
    'the charge counted',
  );
  assert.equal(series!.labels.payment_key, '****');
  assert.equal(series!.labels.user, 'u1', 'an innocent attribute is left alone');
  const dd = await datadog.waitForSeries(
    (s) => s.metric === 'shop.charges' && s.tags.includes(`liveprobe.action.id:${counter.action.id}`),
    WAIT,
    'the charge in Datadog',
  );
  assert.ok(dd.tags.includes('payment.key:****'), dd.tags.join(', '));
  assert.ok(!JSON.stringify(await prom.query('{__name__=~"shop_.+"}')).includes(SECRET));
});

test('the app’s own logs take the app route: secret keys are masked, values are left as the app wrote them', async () => {
  // What an app's own SDK sends to the same collector: no liveprobe.action.id.
  const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const body = {
    resourceLogs: [
      {
        resource: { attributes: [attribute('service.name', 'shop')] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(Date.now() * 1e6),
                severityText: 'INFO',
                body: { stringValue: 'app log 41' },
                attributes: [attribute('db.password', 'hunter2'), attribute('note', SECRET)],
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await fetch(`${collector.otlpHttpUrl}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  const record = await loki.waitForLog((r) => r.body === 'app log 41', WAIT, 'the app’s record in the Loki stand-in');
  assert.equal(record.attributes['db.password'], '****', 'redaction/keys runs on every route');
  assert.equal(record.attributes.note, SECRET, 'value patterns run only on liveprobe’s route (otel-collector.yaml says why)');
  assert.equal(record.attributes['redaction.body.masked.count'], undefined);
});

test('every Prometheus query of the Grafana dashboard returns the liveprobe series the tests above produced', async () => {
  const dashboard = JSON.parse(readFileSync(fromRoot('collector-config/dashboards/grafana-liveprobe.json'), 'utf8')) as GrafanaDashboard;
  const queries = dashboard.panels.flatMap((panel) =>
    panel.targets.filter((target) => target.datasource.type === 'prometheus').map((target) => ({ panel: panel.title, expr: target.expr! })),
  );
  assert.ok(queries.length >= 4, `${queries.length} Prometheus queries`);
  for (const { panel, expr } of queries) {
    // What Grafana substitutes when "All" is chosen, and a rate window that spans the data.
    let promql = expr.replaceAll('$__rate_interval', '2m');
    for (const variable of dashboard.templating.list)
      if (variable.allValue !== undefined) promql = promql.replaceAll(`$${variable.name}`, variable.allValue);
    const samples = await prom.query(promql);
    assert.ok(samples.length > 0, `panel “${panel}” returned nothing: ${promql}`);
    assert.ok(
      samples.every((s) => /^act_/.test(s.labels.liveprobe_action_id ?? '')),
      `panel “${panel}”: ${JSON.stringify(samples)}`,
    );
  }
});

interface GrafanaDashboard {
  panels: { title: string; targets: { datasource: { type: string }; expr?: string }[] }[];
  templating: { list: { name: string; allValue?: string }[] };
}

async function waitUntil(done: () => boolean, what: string, describe: () => string): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT} ms waiting for ${what}; ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
