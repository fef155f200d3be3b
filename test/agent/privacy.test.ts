// Redaction and the blocklist, end to end: configured on the agent, enforced in the agent,
// and out of reach of whoever adds actions on the control plane.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import type { ActionStatusEvent, OutputEvent, SnapshotEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor, type SseEvent, type SseStream } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';

const WAIT = 15_000;
const TRAP_APP = 'test/fixtures/trap-app.mjs';
const SECRETS = 'test/fixtures/trap-secrets.mjs';
const HANDLER = { file: TRAP_APP, line: lineOf(TRAP_APP, 'trap-handler'), tags: ['private'] };

const firstStatus = async (events: SseStream, actionId: string, state: string): Promise<ActionStatusEvent> =>
  (
    await events.waitFor(
      (e: SseEvent) =>
        e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId && (e.data as ActionStatusEvent).state === state,
      WAIT,
      `${state} for ${actionId}`,
    )
  ).data as ActionStatusEvent;
const firstOutput = async (events: SseStream, actionId: string): Promise<string> =>
  (
    (
      await events.waitFor(
        (e: SseEvent) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId,
        WAIT,
        `output of ${actionId}`,
      )
    ).data as OutputEvent
  ).message;

test('secrets never leave the agent: redacted keys and patterns in log lines and snapshots, and conditions cannot test them', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const snapshots: SnapshotEvent[] = [];
  const broker = await mqtt.connectAsync(cp.mqttUrl);
  t.after(() => broker.endAsync());
  broker.on('message', (_topic, payload) => {
    const event = JSON.parse(payload.toString()) as SnapshotEvent;
    if (event.kind === 'snapshot') snapshots.push(event);
  });
  await broker.subscribeAsync('liveprobe/v1/agents/+/events', { qos: 1 });
  const service = await app(t, {
    script: TRAP_APP,
    broker: cp.mqttUrl,
    tags: ['private'],
    env: { LIVEPROBE_REDACT_KEYS: 'balance', LIVEPROBE_REDACT_EMAILS: 'true', LIVEPROBE_BLOCK_VARIABLES: 'dbConfig' },
  });

  const log = await addAction(cp, {
    type: 'log',
    ...HANDLER,
    template: 'owner {account.owner} pw {account.owner.password} balance {account.balance} card {account.owner.card} id {account.id}',
  });
  const probing = await addAction(cp, {
    type: 'log',
    ...HANDLER,
    template: 'guessed',
    condition: 'account.owner.password.startsWith("h")',
  });
  const snapshot = await addAction(cp, { type: 'snapshot', ...HANDLER, watches: ['account.owner', 'account.balance'] });
  for (const { action } of [log, probing, snapshot]) await firstStatus(events, action.id, 'installed');
  assert.equal((await fetch(`${service.url}/?id=3`)).status, 200);

  assert.equal(
    await firstOutput(events, log.action.id),
    'owner { name: "Ada", password: [REDACTED], card: "[REDACTED]", email: "[REDACTED]", token: [REDACTED] } pw [REDACTED] balance [REDACTED] card [REDACTED] id 3',
  );
  const refused = await firstStatus(events, probing.action.id, 'error');
  assert.equal(
    refused.message,
    'condition `account.owner.password.startsWith("h")`: `account.owner.password.startsWith("h")`: the value is redacted by the agent\'s configuration',
  );

  await waitFor(() => snapshots.some((s) => s.actionId === snapshot.action.id), WAIT, 'the snapshot');
  const captured = JSON.stringify(snapshots.find((s) => s.actionId === snapshot.action.id));
  for (const secret of ['hunter2', '4111', 'ada@example.com', 'abcdefghijklmnop', 'db.internal', '["balance",{"t":"number"']) {
    assert.ok(!captured.includes(secret), `${secret} leaked into the snapshot`);
  }
  assert.match(captured, /\{"name":"dbConfig","value":\{"t":"redacted"\}\}/, 'a blocked variable is hidden from snapshots');
  assert.match(captured, /\["password",\{"t":"redacted"\}\]/);
});

test('the control plane has no switch for redaction: an action that asks for one is refused', async (t) => {
  const cp = await controlPlane(t);
  const response = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'log', ...HANDLER, template: '{account.owner.password}', redact: false }),
  });
  assert.equal(response.status, 400);
  assert.match(await response.text(), /redact/);
});

test('actions touching a blocked file, function or variable get an error status naming the rule; others still work', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: TRAP_APP,
    broker: cp.mqttUrl,
    tags: ['private'],
    env: { LIVEPROBE_BLOCK_FILES: '**/trap-secrets.mjs', LIVEPROBE_BLOCK_FUNCTIONS: 'audit*', LIVEPROBE_BLOCK_VARIABLES: 'dbConfig,vault' },
  });
  const blocked: [body: Parameters<typeof addAction>[1], message: RegExp][] = [
    [
      { type: 'log', file: SECRETS, line: lineOf(SECRETS, 'hash'), template: '{password}', tags: ['private'] },
      /^file `test\/fixtures\/trap-secrets\.mjs` is blocked by this agent's configuration \(blocklist rule files: `\*\*\/trap-secrets\.mjs`\); the agent never reads it, whatever the control plane asks/,
    ],
    [
      { type: 'log', file: TRAP_APP, line: lineOf(TRAP_APP, 'audit'), template: '{entry}', tags: ['private'] },
      /^function `auditTrail` is blocked by this agent's configuration \(blocklist rule functions: `audit\*`\)/,
    ],
    [
      { type: 'log', ...HANDLER, template: 'db {dbConfig.host}' },
      /^variable `dbConfig` is blocked by this agent's configuration \(blocklist rule variables: `dbConfig`\)/,
    ],
    [{ type: 'log', ...HANDLER, template: 'x', condition: 'has(this, "vault") || vault' }, /^variable `vault` is blocked/],
    [{ type: 'snapshot', ...HANDLER, watches: ['dbConfig.user'] }, /^variable `dbConfig` is blocked/],
  ];
  const ids: string[] = [];
  for (const [body] of blocked) ids.push((await addAction(cp, body)).action.id);
  const allowed = await addAction(cp, { type: 'log', ...HANDLER, template: 'allowed {id}' });
  for (const [i, [, message]] of blocked.entries()) assert.match((await firstStatus(events, ids[i]!, 'error')).message ?? '', message);
  await firstStatus(events, allowed.action.id, 'installed');
  assert.equal((await fetch(`${service.url}/?id=5`)).status, 200);
  assert.equal(await firstOutput(events, allowed.action.id), 'allowed 5');
  for (const id of ids)
    assert.equal(events.events().filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id).length, 0);
});
