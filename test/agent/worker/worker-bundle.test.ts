// The worker runs as one bundle (agent/scripts/bundle-agent.mjs) that starts without zod and
// without the OpenTelemetry SDK: the SDK is a chunk it imports when the first record needs it,
// zod and the schemas a plain script it runs in a context of its own for each burst of desired
// states (worker/desired-state-checker.ts). Checked in the built files, and end to end: an agent that starts
// with nothing to do still installs its first action and exports its first record.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lineOf, otlpReceiver, repoRoot } from '../../helpers/index.js';
import { addAction, app, checkout, controlPlane, installed, SHOP } from '../fixtures.js';

const BUNDLE = join(repoRoot, 'agent', 'dist', 'worker-bundle');
/** Where zod and the logs SDK define a class (names are not minified); the agent's own code only uses them. */
const ZOD = '"ZodObject"';
const LOGS_SDK = 'BatchLogRecordProcessor=class';

/** The files a module loads before it runs: itself and its static imports, transitively. */
function loadedAtStart(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(join(BUNDLE, file), 'utf8');
  // `import{…}from"./x.js"` and `import"./x.js"`; `import("./x.js")` is dynamic and left out.
  for (const match of source.matchAll(/\bimport\s*(?:[\w$*{}\s,]*?from\s*)?"(\.{1,2}\/[^"]+)"/g)) {
    const target = join(file, '..', match[1]!);
    loadedAtStart(target, seen);
  }
  return seen;
}

test('the worker bundle loads neither zod nor the OpenTelemetry SDK at start; both are files it can load later', () => {
  const atStart = loadedAtStart('agent-worker.js');
  assert.ok(atStart.size >= 1);
  for (const file of atStart) {
    const source = readFileSync(join(BUNDLE, file), 'utf8');
    assert.ok(!source.includes(ZOD), `${file}, loaded when the worker starts, holds zod`);
    assert.ok(!source.includes(LOGS_SDK), `${file}, loaded when the worker starts, holds the OpenTelemetry logs SDK`);
  }
  const chunks = readdirSync(BUNDLE)
    .filter((name) => name !== 'agent-worker.js')
    .map((name) => readFileSync(join(BUNDLE, name), 'utf8'));
  assert.ok(readFileSync(join(BUNDLE, 'desired-state-check.js'), 'utf8').includes(ZOD), 'zod is in the desired-state check');
  assert.ok(
    chunks.some((source) => source.includes(LOGS_SDK)),
    'the logs SDK is in a chunk of its own',
  );
});

/** The chunks `agent-worker.js` imports with `import("./<prefix>-….js")`. */
function dynamicChunk(prefix: string): string {
  const source = readFileSync(join(BUNDLE, 'agent-worker.js'), 'utf8');
  const match = new RegExp(`import\\("\\./(${prefix}-[\\w-]+\\.js)"\\)`).exec(source);
  assert.ok(match, `agent-worker.js imports a ${prefix} chunk when it needs it`);
  return match[1]!;
}

test('the first log record loads only the logs part of the OpenTelemetry packages, not the metrics SDK; no bundle holds eslint-scope', () => {
  const loaded = new Set<string>();
  for (const prefix of ['log-batching', 'protobuf-log-exporter']) loadedAtStart(dynamicChunk(prefix), loaded);
  const sources = [...loaded].map((file) => [file, readFileSync(join(BUNDLE, file), 'utf8')] as const);
  assert.ok(
    sources.some(([, source]) => source.includes(LOGS_SDK)),
    'the log chunks hold the batch processor',
  );
  for (const [file, source] of sources) {
    assert.ok(!source.includes('MeterProvider=class'), `${file}, loaded for the first log record, holds the metrics SDK`);
    assert.ok(!source.includes('ProtobufMetricsSerializer='), `${file}, loaded for the first log record, holds the metrics serializer`);
  }
  // The worker analyses scripts with the transform's own scope pass (agent/src/locate/scope-pass.ts).
  for (const name of readdirSync(BUNDLE))
    assert.ok(!readFileSync(join(BUNDLE, name), 'utf8').includes('var ScopeManager'), `${name} holds eslint-scope`);
});

test("the worker's own code and the desired-state check never format through Intl (ICU's locale data would stay in the app's RSS)", () => {
  const files = [...loadedAtStart('agent-worker.js'), 'desired-state-check.js'];
  assert.ok(files.length >= 2);
  for (const file of files) {
    const source = readFileSync(join(BUNDLE, file), 'utf8');
    for (const call of ['toLocaleString(', 'toLocaleDateString(', 'localeCompare(', 'Intl.'])
      assert.ok(!source.includes(call), `${file} calls ${call}`);
  }
});

test('an agent that started with no action installs its first one and exports its first record to a real OTLP receiver', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const shop = await app(t, {
    broker: cp.mqttUrl,
    agentId: 'lazy-1',
    env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'lazy-shop', OTEL_BLRP_SCHEDULE_DELAY: '100' },
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: lineOf(SHOP, 'checkout-return'),
    template: 'first order {order.id}',
    agents: ['lazy-1'],
  });
  assert.match(await installed(cp, action.id), /^installed/);
  const order = (await (await checkout(shop.url)).json()) as { id: number };
  const record = await otlp.waitForLog((r) => r.body === `first order ${order.id}`, 15_000, 'the first record');
  assert.equal(record.attributes['liveprobe.action.id'], action.id);
  assert.equal(record.resource['service.name'], 'lazy-shop');
  assert.deepEqual(otlp.errors(), []);
});
