import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { collectorBinary, tempDir, validateCollectorConfig } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';

// Every collector config we ship: the default and the variants.
const CONFIGS = [
  'otel-collector.yaml',
  ...readdirSync(fromRoot('collector-config'))
    .filter((f) => f.endsWith('.yaml') && f !== 'builder-config.yaml')
    .map((f) => `collector-config/${f}`),
];

// Values for every ${env:…} placeholder without a default, as an operator would set them.
const REQUIRED_ENV = {
  DD_API_KEY: 'test-api-key',
  ELASTIC_OTLP_ENDPOINT: 'https://elastic.example:443',
  ELASTIC_API_KEY: 'test-api-key',
  SPLUNK_REALM: 'us1',
  SPLUNK_ACCESS_TOKEN: 'test-token',
};

const KINDS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
type Kind = (typeof KINDS)[number];

interface Config {
  receivers?: Record<string, unknown>;
  processors?: Record<string, Record<string, unknown> | null>;
  exporters?: Record<string, unknown>;
  connectors?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  service: { pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }> };
}

const load = (file: string) => parse(readFileSync(fromRoot(file), 'utf8')) as Config;
const typeOf = (id: string) => id.split('/')[0]!;

test('the shipped configs are the ones checked here', () => {
  assert.deepEqual(CONFIGS.sort(), [
    'collector-config/datadog.yaml',
    'collector-config/elasticsearch.yaml',
    'collector-config/local-debug.yaml',
    'collector-config/loki.yaml',
    'collector-config/prometheus-remote-write.yaml',
    'collector-config/prometheus-scrape.yaml',
    'collector-config/splunk.yaml',
    'collector-config/tempo-jaeger.yaml',
    'otel-collector.yaml',
  ]);
});

for (const config of CONFIGS) {
  test(`${config} passes otelcol validate with the collector we build`, () => {
    const result = validateCollectorConfig([config], REQUIRED_ENV);
    assert.ok(result.ok, `validate failed:\n${result.output}`);
  });
}

test('validate is not a rubber stamp: an unknown component and a missing key both fail', async (t) => {
  const dir = await tempDir('liveprobe-collector-config-');
  t.after(() => dir.remove());
  const unknown = join(dir.path, 'unknown.yaml');
  await writeFile(unknown, readFileSync(fromRoot('collector-config/loki.yaml'), 'utf8').replaceAll('otlp_http/loki', 'loki'));
  const bad = validateCollectorConfig([unknown], REQUIRED_ENV);
  assert.equal(bad.ok, false);
  assert.match(bad.output, /unknown type: "loki"/);
  const { DD_API_KEY: _key, ...withoutKey } = REQUIRED_ENV;
  const missing = validateCollectorConfig(['otel-collector.yaml'], withoutKey);
  assert.equal(missing.ok, false);
  assert.match(missing.output, /api\.key/);
});

test('the collector is built with exactly the components the configs use', () => {
  const used = new Map<Kind, Set<string>>(KINDS.map((kind) => [kind, new Set()]));
  for (const config of CONFIGS) {
    const parsed = load(config);
    for (const kind of KINDS) for (const id of Object.keys(parsed[kind] ?? {})) used.get(kind)!.add(typeOf(id));
  }
  const built = parse(execFileSync(collectorBinary(), ['components'], { encoding: 'utf8' })) as Partial<Record<Kind, { name: string }[]>>;
  for (const kind of KINDS) {
    assert.deepEqual(
      (built[kind] ?? []).map((c) => c.name).sort(),
      [...used.get(kind)!].sort(),
      `${kind}: collector-config/builder-config.yaml must list exactly what the configs use`,
    );
  }
});

test('memory_limiter comes first in every pipeline that a receiver feeds', () => {
  for (const config of CONFIGS) {
    const { service, connectors = {} } = load(config);
    for (const [name, pipeline] of Object.entries(service.pipelines)) {
      const fromReceiver = pipeline.receivers.some((r) => !(r in connectors));
      if (fromReceiver) assert.equal(pipeline.processors?.[0], 'memory_limiter', `${config}: pipeline ${name}`);
    }
  }
});

test('every config masks the same secrets as otel-collector.yaml, in every pipeline a receiver feeds', () => {
  const reference = load('otel-collector.yaml').processors!['redaction/values']!;
  for (const config of CONFIGS) {
    const { processors = {}, service, connectors = {} } = load(config);
    for (const [id, settings] of Object.entries(processors)) {
      if (typeOf(id) !== 'redaction') continue;
      assert.equal(settings?.allow_all_keys, true, `${config}: ${id} must mask, not drop, unknown attributes`);
      assert.deepEqual(settings?.blocked_key_patterns, reference.blocked_key_patterns, `${config}: ${id} key patterns`);
      if (settings?.blocked_values !== undefined)
        assert.deepEqual(settings.blocked_values, reference.blocked_values, `${config}: ${id} value patterns`);
    }
    for (const [name, pipeline] of Object.entries(service.pipelines)) {
      if (pipeline.receivers.every((r) => r in connectors)) continue;
      assert.ok(
        pipeline.processors?.some((p) => typeOf(p) === 'redaction'),
        `${config}: pipeline ${name} has no redaction`,
      );
    }
  }
});

test('keys, tokens and endpoints come from the environment, never from the file', () => {
  for (const config of CONFIGS) {
    const text = readFileSync(fromRoot(config), 'utf8');
    for (const [, key, value] of text.matchAll(/^\s*(key|X-SF-Token|Authorization|endpoint|metrics_endpoint|traces_endpoint):\s*(.+)$/gm)) {
      assert.match(value!, /\$\{env:[A-Z_]+/, `${config}: ${key} is written literally: ${value}`);
    }
  }
});
