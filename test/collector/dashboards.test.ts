import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';

// The attribute every liveprobe metric, log record and snapshot span carries, as each backend names it.
const PROMETHEUS_LABEL = 'liveprobe_action_id';
const DATADOG_TAG = 'liveprobe.action.id';
// The Prometheus names the collector gives our instruments (test/collector/otel-collector.test.ts
// sees them): counters end in _total, tictoc and duration histograms in _seconds_bucket.
const EMITTED = [
  'shop_checkouts_total',
  'shop_checkout_duration_seconds_bucket',
  'shop_checkout_duration_seconds_sum',
  'shop_checkout_duration_seconds_count',
];

interface GrafanaTarget {
  datasource: { type: string; uid: string };
  expr?: string;
  query?: string;
}
interface GrafanaDashboard {
  uid: string;
  title: string;
  panels: { id: number; title: string; type: string; datasource: { uid: string }; targets: GrafanaTarget[] }[];
  templating: { list: { name: string; type: string }[] };
}
interface DatadogWidget {
  definition: {
    type: string;
    title?: string;
    query?: string;
    requests?: { queries: { data_source: string; query?: string; search?: { query: string } }[] }[];
  };
}
interface DatadogDashboard {
  title: string;
  layout_type: string;
  widgets: DatadogWidget[];
  template_variables: { name: string; prefix: string }[];
}

const read = <T>(path: string) => JSON.parse(readFileSync(fromRoot(path), 'utf8')) as T;

test('the Grafana dashboard is well-formed and queries liveprobe’s metrics, logs and snapshots by action id', () => {
  const dashboard = read<GrafanaDashboard>('collector-config/dashboards/grafana-liveprobe.json');
  assert.equal(dashboard.uid, 'liveprobe');
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const variables = dashboard.templating.list.map((v) => v.name);
  const byType = (type: string) => dashboard.panels.flatMap((p) => p.targets).filter((t) => t.datasource.type === type);
  for (const type of ['prometheus', 'loki', 'tempo']) {
    assert.ok(byType(type).length > 0, `a ${type} panel`);
    // Data sources are chosen on import, never hard-coded.
    for (const target of byType(type)) assert.equal(target.datasource.uid, `\${${type}}`);
    assert.ok(variables.includes(type), `a ${type} data source variable`);
  }
  for (const target of [...byType('prometheus'), ...byType('loki')]) {
    assert.match(target.expr ?? '', new RegExp(PROMETHEUS_LABEL), `every query is by action: ${target.expr}`);
  }
  // Each metric name pattern in the queries matches a name the collector really exposes.
  const patterns = byType('prometheus').flatMap((t) => [...(t.expr ?? '').matchAll(/__name__=~"([^"]+)"/g)].map((m) => m[1]!));
  assert.ok(patterns.length > 0);
  for (const pattern of new Set(patterns)) {
    assert.ok(
      EMITTED.some((name) => new RegExp(`^(?:${pattern})$`).test(name)),
      `${pattern} matches none of ${EMITTED.join(', ')}`,
    );
  }
  assert.ok(
    byType('tempo').every((t) => /snapshot/.test(t.query ?? '')),
    'the Tempo panels look for snapshot spans',
  );
});

test('the Datadog dashboard is well-formed and every widget filters or groups by the action id tag', () => {
  const dashboard = read<DatadogDashboard>('collector-config/dashboards/datadog-liveprobe.json');
  assert.equal(dashboard.layout_type, 'ordered');
  assert.deepEqual(
    dashboard.template_variables.map((v) => v.prefix),
    ['service', DATADOG_TAG],
  );
  const queries = dashboard.widgets.flatMap((w) => [
    ...(w.definition.query === undefined ? [] : [w.definition.query]),
    ...(w.definition.requests ?? []).flatMap((r) => r.queries.map((q) => q.query ?? q.search?.query ?? '')),
  ]);
  assert.ok(queries.length >= 5, `${queries.length} queries`);
  for (const query of queries) assert.match(query, /liveprobe\.action\.id|\$action_id/, query);
  // Datadog keeps the names the actions chose; these are the example shop's (docs/opentelemetry.md).
  const metrics = dashboard.widgets.flatMap((w) =>
    (w.definition.requests ?? []).flatMap((r) =>
      r.queries.filter((q) => q.data_source === 'metrics').map((q) => /^\w+:([\w.]+)\{/.exec(q.query ?? '')?.[1]),
    ),
  );
  assert.deepEqual([...new Set(metrics)].sort(), ['shop.checkout.duration', 'shop.checkouts']);
  const sources = new Set(
    dashboard.widgets.flatMap((w) => (w.definition.requests ?? []).flatMap((r) => r.queries.map((q) => q.data_source))),
  );
  assert.deepEqual([...sources].sort(), ['logs', 'metrics', 'spans']);
});
