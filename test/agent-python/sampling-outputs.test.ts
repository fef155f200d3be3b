// A Python agent's log actions, through a real control plane and broker: `ratePerSecond` samples
// the hits (those over it counted, not captured, and reported as the Node agent reports them), and
// `outputs` send the lines to the app's console or its own logging instead of OpenTelemetry and
// the live stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, otlpReceiver, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { FIXTURES, plainServer, startPythonApp } from './python-app.js';

const WAIT = 20_000;
const SERVER = `${FIXTURES}/plain_server.py`;
const SHOP = `${FIXTURES}/flask_shop.py`;
const GREET = lineOf(SERVER, 'greet-text');
const of = (actionId: string, event: string) => (e: SseEvent) =>
  e.event === event && (e.data as { actionId: string }).actionId === actionId;
const data = (e: SseEvent) => e.data as { state: string; message: string; count: number; reason: string };

test("hits over a log action's ratePerSecond are counted, not captured, and shown as dropped and in its status", async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const { cp, events, greet } = await plainServer(t, 'rate-1', 'rate', { ...otlp.env('http/protobuf'), OTEL_METRICS_EXPORTER: 'otlp' });
  const { action } = await addAction(cp, {
    type: 'log',
    file: SERVER,
    line: GREET,
    template: 'greeting {name}',
    tags: ['rate'],
    ratePerSecond: 1,
  });
  await events.waitFor(of(action.id, 'action_status'), WAIT, 'installed');
  for (let n = 0; n < 10; n++) await greet(`n${n}`);
  const sent = () => events.events().filter(of(action.id, 'output')).length;
  const dropped = () =>
    events
      .events()
      .filter(of(action.id, 'dropped'))
      .reduce((sum, e) => sum + data(e).count, 0);
  await waitFor(() => sent() + dropped() === 10, WAIT, 'every hit sent or counted');
  assert.ok(sent() >= 1 && sent() < 5, `one a second: ${sent()} sent`);
  assert.match(
    data(events.events().find(of(action.id, 'dropped'))!).reason,
    /^sampled: over the action's rate \(its ratePerSecond, at most the agent's LIVEPROBE_QUOTA_HITS_PER_SECOND\); these hits were counted, not captured$/,
  );
  const status = await events.waitFor(
    (e) => of(action.id, 'action_status')(e) && / not exported so far: /.test(data(e).message),
    WAIT,
    'the totals',
  );
  assert.equal(data(status).state, 'installed');
  assert.match(data(status).message, new RegExp(`; not exported so far: ${dropped()} sampled \\(over the rate\\)$`));
  const counted = await otlp.waitForMetric(
    (p) => p.name === 'liveprobe.hits.not_exported' && p.attributes['liveprobe.action.id'] === action.id && p.value === dropped(),
    WAIT,
    'the not-exported counter',
  );
  assert.deepEqual(counted.attributes, { 'liveprobe.action.id': action.id, 'liveprobe.reason': 'sampled', 'liveprobe.limit': 'rate' });
  assert.equal(counted.unit, '{hit}');
});

test("a log action's console output prints on the app's stdout and logger output goes through its logging, not to the live stream", async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await startPythonApp(t, {
    script: 'flask_shop.py',
    broker: cp.mqttUrl,
    tags: ['out'],
    agentId: 'out-1',
    env: { APP_LOGGING: '1' },
  });
  const line = lineOf(SHOP, 'checkout-order');
  const console = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line,
    template: 'console {user_id}',
    tags: ['out'],
    outputs: ['console'],
  });
  const logger = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line,
    template: 'logger {user_id}',
    level: 'warn',
    tags: ['out'],
    outputs: ['logger', 'live'],
  });
  for (const { action } of [console, logger]) await events.waitFor(of(action.id, 'action_status'), WAIT, 'installed');
  const checkout = () =>
    fetch(`${shop.url}/checkout`, { method: 'POST', body: JSON.stringify({ user: 'u7', items: [{ sku: 'tea', quantity: 1 }] }) });
  assert.equal((await checkout()).status, 200);
  await waitFor(() => /APPLOG WARNING __main__ checkout: logger u7/.test(shop.output()), WAIT, "the line in the app's logging");
  await events.waitFor(of(logger.action.id, 'output'), WAIT, 'the logger action also goes live');
  const printed = new RegExp(
    `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z INFO \\[liveprobe ${console.action.id}\\] \\S*flask_shop\\.py:${line} console u7$`,
    'm',
  );
  assert.match(shop.output(), printed);
  assert.equal(events.events().filter(of(console.action.id, 'output')).length, 0, 'console only: nothing on the live stream');
});

test('an unknown name in LIVEPROBE_LOG_OUTPUTS disables the agent and says which', async (t) => {
  const cp = await controlPlane(t);
  const app = await startPythonApp(t, {
    script: 'plain_server.py',
    launcher: 'start()',
    broker: cp.mqttUrl,
    tags: ['x'],
    agentId: 'bad-out',
    env: { LIVEPROBE_LOG_OUTPUTS: 'otel,stdout' },
  });
  await waitFor(() => app.output().includes('[liveprobe] the agent is disabled:'), WAIT, 'the reason');
  assert.match(
    app.output(),
    /\[liveprobe\] the agent is disabled: LIVEPROBE_LOG_OUTPUTS must list one or more of otel, live, console, logger, e\.g\. \["otel", "live", "console"\]/,
  );
});
