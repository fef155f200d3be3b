// Where a log action's lines go: OpenTelemetry and the live stream by default, the app's
// stdout/stderr (`console`), or the app's own pino logger (`logger`).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { cli, lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, installed } from './fixtures.js';

const WAIT = 15_000;
const SERVER_TS = 'examples/shop/src/server.ts';
const LINE = lineOf(SERVER_TS, 'checkout-return');
const PINO_APP = 'test/fixtures/pino-app.cjs';
const WINSTON_APP = 'test/fixtures/winston-app.cjs';

/** The JSON lines an app's logger wrote, parsed. */
const jsonLines = (output: string) =>
  output
    .split('\n')
    .map((line) => /^\{.*\}$/.exec(line)?.[0])
    .filter((line) => line !== undefined)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The pino app with the agent, exporting no logs of its own. */
const pinoApp = (t: TestContext, cp: { mqttUrl: string }, agentId: string, env: Record<string, string>) =>
  app(t, { script: PINO_APP, module: 'cjs', broker: cp.mqttUrl, agentId, env: { OTEL_LOGS_EXPORTER: 'none', ...env } });

const printed = (events: SseEvent[], actionId: string) =>
  events.filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId).map((e) => (e.data as OutputEvent).message);

test('the console output prints in the app’s stdout (stderr from warn up) in the documented format, and only there when asked', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, {
    broker: cp.mqttUrl,
    agentId: 'console-1',
    env: { OTEL_LOGS_EXPORTER: 'none', LIVEPROBE_REDACT_EMAILS: 'true' },
  });
  const added = await cli(
    ['log', 'add', `${SERVER_TS}:${LINE}`, 'order {order.id} for {userId} at {user.email}', '--tag', 'e2e', '--output', 'console'],
    {
      server: cp.url,
    },
  );
  assert.equal(added.code, 0, added.stderr);
  const consoleOnly = /created (act_\w+)/.exec(added.stdout)![1]!;
  const { action: warn } = await addAction(cp, {
    type: 'log',
    file: SERVER_TS,
    line: LINE,
    template: 'big order {amount}',
    level: 'warn',
    outputs: ['console', 'live'],
    tags: ['e2e'],
  });
  await installed(cp, consoleOnly);
  await installed(cp, warn.id);
  await checkout(shop.url, 'u2');

  const format = (level: string, id: string, message: string) =>
    new RegExp(
      `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${level} \\[liveprobe ${id}\\] \\S*examples/shop/src/server\\.ts:${LINE} ${message}$`,
    );
  const lines = () => shop.output().split('\n');
  await waitFor(
    () => lines().some((l) => format('INFO', consoleOnly, 'order \\d+ for u2 at \\[REDACTED\\]').test(l)),
    WAIT,
    'the info line on stdout',
  );
  await waitFor(() => lines().some((l) => format('WARN', warn.id, 'big order 9').test(l)), WAIT, 'the warn line');
  // The live copy of the second action comes after the first one's would have.
  await waitFor(() => printed(events.events(), warn.id).length === 1, WAIT, 'the live copy of the warn line');
  assert.deepEqual(printed(events.events(), consoleOnly), [], 'the console-only action sent nothing live');
  assert.doesNotMatch(shop.output(), /linus@example\.com/, 'redaction applies to the console too');
});

test('the logger output (here the agent’s default) goes through the app’s pino logger, bridged by instrumentation-pino, with the action’s fields', async (t) => {
  const cp = await controlPlane(t);
  const service = await pinoApp(t, cp, 'pino-1', { LIVEPROBE_LOG_OUTPUTS: 'logger' });
  const { action } = await addAction(cp, {
    type: 'log',
    file: PINO_APP,
    line: lineOf(PINO_APP, 'pino-total'),
    template: 'total {total} for {sku}',
    level: 'warn',
    tags: ['e2e'], // no outputs: the agent's default, LIVEPROBE_LOG_OUTPUTS
  });
  await installed(cp, action.id);
  await fetch(`${service.url}/?sku=tea&quantity=3`);

  const record = await waitFor(
    () => jsonLines(service.output()).find((r) => r.msg === 'total 12 for tea'),
    WAIT,
    'the line in pino’s output',
  );
  assert.equal(record.level, 40, 'pino’s warn');
  assert.equal(record.app, 'pino-app', 'the app’s own logger, with its base fields');
  assert.equal(record['liveprobe.action.id'], action.id);
  assert.equal(record['code.line.number'], lineOf(PINO_APP, 'pino-total'));
  assert.match(String(record['code.file.path']), /pino-app\.cjs$/);
});

test('the logger output goes through the app’s winston logger, at its nearest level, with the action’s fields', async (t) => {
  const cp = await controlPlane(t);
  const service = await app(t, {
    script: WINSTON_APP,
    module: 'cjs',
    broker: cp.mqttUrl,
    agentId: 'winston-1',
    env: { OTEL_LOGS_EXPORTER: 'none', LIVEPROBE_APP_LOGGER: 'on' },
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: WINSTON_APP,
    line: lineOf(WINSTON_APP, 'winston-total'),
    template: 'total {total}',
    level: 'fatal',
    outputs: ['logger', 'live'],
    tags: ['e2e'],
  });
  await installed(cp, action.id);
  await fetch(`${service.url}/?quantity=2`);
  const record = await waitFor(
    () => jsonLines(service.output()).find((r) => r.message === 'total 8'),
    WAIT,
    'the line in winston’s output',
  );
  assert.equal(record.level, 'error', 'winston has no fatal: its nearest level');
  assert.equal(record.app, 'winston-app', 'the app’s own logger, with its default meta');
  assert.equal(record['liveprobe.action.id'], action.id);
  assert.equal(record['code.line.number'], lineOf(WINSTON_APP, 'winston-total'));
});

test('a logger output the agent cannot give (not watching for the app’s logger) says so in its status, and prints on the app’s console', async (t) => {
  const cp = await controlPlane(t);
  const service = await pinoApp(t, cp, 'pino-unwatched', {});
  const at = { type: 'log' as const, file: PINO_APP, line: lineOf(PINO_APP, 'pino-total'), tags: ['e2e'] };
  const { action } = await addAction(cp, { ...at, template: 'total {total}', outputs: ['logger'] });
  assert.match(
    await installed(cp, action.id),
    /^installed: .*; its `logger` output prints on the app's console: the agent watches for the app's pino or winston logger only when started with LIVEPROBE_APP_LOGGER=on \(or `logger` in LIVEPROBE_LOG_OUTPUTS\)$/,
  );
  // Without the logger output there is nothing to say.
  const { action: plain } = await addAction(cp, { ...at, template: 'plain {total}', outputs: ['console'] });
  assert.doesNotMatch(await installed(cp, plain.id), /LIVEPROBE_APP_LOGGER/);
  await fetch(`${service.url}/?quantity=2`);
  await waitFor(() => /INFO \[liveprobe act_\w+\] \S+pino-app\.cjs:\d+ total 8$/m.test(service.output()), WAIT, 'the line on the console');
});
