// What an editor's actions can reach inside a real app, on both install paths (breakpoints, and
// prepared sites with LIVEPROBE_PREPARE): secrets in every shape stay hidden in every field that
// leaves the agent (log lines, snapshots, watches, metric attributes and values, OTLP), no getter
// of any scope runs, the agent's own names and files are out of reach, and one expression
// cannot freeze the app. Every response reports how many of the app's getters ran: 0.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import type { ActionStatusEvent, OutputEvent, SnapshotEvent } from '@liveprobe/protocol';
import { lineOf, otlpReceiver, sseEvents, waitFor, type SseEvent, type SseStream } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, app, controlPlane } from './fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/secrets-app.mjs';
const HERE = { file: APP, line: lineOf(APP, 'secrets-handler'), tags: ['secrets'] };
/** Values the app holds that must never appear in anything the agent sends. */
const SECRETS = [
  'hunter2',
  'letmein',
  'r-123',
  'p-456',
  'Basic-xyz-789',
  's-abc',
  'k-1',
  'pgpass',
  'qs-hunter2',
  'tok-99',
  '4111',
  'eyJhbGciOiJIUzI1NiJ9',
  'raw-cookie',
  'raw-bearer-secret',
  'raw-api-key',
];
/** Sent by every request, so `req.rawHeaders` holds them as name/value pairs. */
const HEADERS = {
  cookie: 'sid=raw-cookie',
  authorization: 'Bearer raw-bearer-secret',
  'x-api-key': 'raw-api-key',
  'x-plain': 'plain-header',
};

const statusOf = (events: SseStream, actionId: string, state: string) =>
  events
    .waitFor(
      (e: SseEvent) =>
        e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId && (e.data as ActionStatusEvent).state === state,
      WAIT,
      `${state} for ${actionId}`,
    )
    .then((e) => e.data as ActionStatusEvent);
const outputOf = (events: SseStream, actionId: string) =>
  events
    .waitFor((e: SseEvent) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId, WAIT, `output of ${actionId}`)
    .then((e) => (e.data as OutputEvent).message);

function assertNoSecret(what: string, text: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} leaked into ${what}: ${text}`);
}

type Mode = 'breakpoint' | 'prepared';

async function start(t: TestContext, mode: Mode) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const agentId = `secrets-${mode}`;
  const service = await app(t, {
    script: APP,
    broker: cp.mqttUrl,
    tags: ['secrets'],
    agentId,
    env: {
      ...otlp.env('http/protobuf'),
      OTEL_SERVICE_NAME: 'secrets-test',
      ...(mode === 'prepared' ? { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' } : {}),
    },
  });
  const request = async (id: number) => {
    const response = await fetch(`${service.url}/?id=${id}`, { headers: HEADERS });
    assert.equal(response.status, 200);
    return (await response.json()) as { getterCalls: number };
  };
  const installed = async (actionId: string) => {
    const status = await statusOf(events, actionId, 'installed');
    assert.match(status.message ?? '', mode === 'prepared' ? /^prepared site/ : /^breakpoint/, `${actionId} on the ${mode} path`);
  };
  return { cp, otlp, events, service, agentId, request, installed };
}

for (const mode of ['breakpoint', 'prepared'] as const) {
  test(`${mode}: secrets in every shape stay hidden in log lines, snapshots, watches, metric attributes and values, and OTLP`, async (t) => {
    const { cp, otlp, events, request, installed } = await start(t, mode);
    const log = await addAction(cp, {
      type: 'log',
      ...HERE,
      template:
        'pw {passwords} tok {tokens} cred {credentials} auth {auth} cookies {cookies} keys {apiKeys} db {dbUrl} cb {callback} ' +
        'card {dottedCard} ref {cardRef} jwt {header} raw {req.rawHeaders} str {str(req.rawHeaders)} has {req.rawHeaders.includes("sid=raw-cookie")} plain {plain}',
    });
    const picks = await addAction(cp, {
      type: 'log',
      ...HERE,
      template:
        'picked {req.rawHeaders[1]} {req.rawHeaders[3]} {req.rawHeaders[5]} {req.rawHeaders[7]} {req.rawHeaders[9]} {req.rawHeaders[11]} {passwords[0]} {credentials.pass}',
    });
    const snapshot = await addAction(cp, {
      type: 'snapshot',
      ...HERE,
      watches: ['dbUrl', 'callback', 'req.rawHeaders', 'cardRef', 'header', 'dottedCard'],
    });
    const counter = await addAction(cp, {
      type: 'counter',
      ...HERE,
      name: 'secrets.hits',
      attributes: {
        card: 'dottedCard',
        jwt: 'header',
        ref: 'cardRef',
        db: 'dbUrl',
        cb: 'callback',
        pw: 'passwords',
        raw: 'req.rawHeaders',
        plain: 'plain',
      },
    });
    const value = await addAction(cp, { type: 'metric', ...HERE, name: 'secrets.card', expression: 'cardRef' });
    for (const { action } of [log, picks, snapshot, counter, value]) await installed(action.id);

    const snapshots: SnapshotEvent[] = [];
    const broker = await mqtt.connectAsync(cp.mqttUrl);
    t.after(() => broker.endAsync());
    broker.on('message', (_topic, payload) => {
      const event = JSON.parse(payload.toString()) as SnapshotEvent;
      if (event.kind === 'snapshot') snapshots.push(event);
    });
    await broker.subscribeAsync('liveprobe/v1/agents/+/events', { qos: 1 });
    assert.equal((await request(1)).getterCalls, 0);

    const line = await outputOf(events, log.action.id);
    assertNoSecret('a log line', line);
    assert.match(line, /^pw \[REDACTED\] tok \[REDACTED\] cred \[REDACTED\] auth \[REDACTED\] cookies \[REDACTED\] keys \[REDACTED\] /);
    assert.match(
      line,
      / db postgres:\/\/app:\[REDACTED\]@db\.internal:5432\/shop cb https:\/\/shop\.test\/cb\?user=ann&password=\[REDACTED\]&access_token=\[REDACTED\]&page=1 /,
    );
    assert.match(
      line,
      / card \[REDACTED\] ref \[REDACTED\] jwt \[REDACTED\] raw \[.*"Cookie", \[REDACTED\].*\] str .* has false plain visible$/i,
    );
    assert.match(line, /"x-plain", "plain-header"/i, 'headers that are not secret still show');
    const picked = await outputOf(events, picks.action.id);
    assertNoSecret('indexed reads', picked);
    assert.match(picked, /\[REDACTED\].*\[REDACTED\].*\[REDACTED\]/);

    await waitFor(() => snapshots.some((s) => s.actionId === snapshot.action.id), WAIT, 'the snapshot');
    const captured = JSON.stringify(snapshots.find((s) => s.actionId === snapshot.action.id));
    assertNoSecret('a snapshot', captured);
    assert.match(captured, /\{"name":"passwords","value":\{"t":"redacted"\}\}/);
    assert.match(captured, /"expression":"cardRef","value":\{"t":"redacted"\}/);

    const point = await otlp.waitForMetric((p) => p.name === 'secrets.hits', WAIT, 'the counter point');
    assertNoSecret('OTLP metric attributes', JSON.stringify(point.attributes));
    assert.equal(point.attributes.card, '[REDACTED]');
    assert.equal(point.attributes.jwt, '[REDACTED]');
    assert.equal(point.attributes.ref, '[REDACTED]');
    assert.equal(point.attributes.db, 'postgres://app:[REDACTED]@db.internal:5432/shop');
    assert.equal(point.attributes.pw, '[REDACTED]');
    assert.equal(point.attributes.plain, 'visible');
    const counted = await outputOf(events, counter.action.id);
    assertNoSecret('live metric output', counted);
    assert.match(counted, /"card":"\[REDACTED\]"/);

    const refused = await statusOf(events, value.action.id, 'error');
    assert.equal(refused.message, "`cardRef` looks like a card number, which the agent's redaction hides; it is not recorded");
    assert.equal(otlp.metricPoints().filter((p) => p.name === 'secrets.card').length, 0);
    assert.equal((await request(2)).getterCalls, 0);
  });

  test(`${mode}: no getter of any scope runs, the agent's names and files are out of reach, and one expression cannot freeze the app`, async (t) => {
    const { cp, events, request, installed, service, agentId } = await start(t, mode);
    const getters = await addAction(cp, {
      type: 'log',
      ...HERE,
      template:
        'global {tenantSettings} module {moduleConfig.lazyClient} closure {closureState.counter} local {local.value} pid {process.pid > 0}',
    });
    const bigint = await addAction(cp, { type: 'log', ...HERE, template: 'big {big ** exponent} {big * big} {len(plain)}' });
    for (const { action } of [getters, bigint]) await installed(action.id);
    assert.equal((await request(1)).getterCalls, 0);
    const line = await outputOf(events, getters.action.id);
    const global =
      mode === 'breakpoint'
        ? '<`tenantSettings` is a getter of the global object; liveprobe never runs getters>'
        : "<`tenantSettings` is a global: a prepared site reads only the line's own variables (its function's, and those of enclosing scopes the function uses), not globals; assign what you need of `tenantSettings` to a variable the function uses, or leave the file unprepared (`!path` in LIVEPROBE_PREPARE) so that the breakpoint path reads globals>";
    assert.ok(
      line.startsWith(
        `global ${global} module <\`moduleConfig.lazyClient\` is a getter; liveprobe never runs getters> closure <\`closureState.counter\` is a getter`,
      ),
      line,
    );
    assert.match(
      line,
      /local <`local\.value` is a getter; liveprobe never runs getters> pid (true|<`process` is a global: a prepared site reads only the line's own variables .*>)$/,
    );
    if (mode === 'breakpoint') assert.match(line, / pid true$/, "the runtime's own globals are still read");
    // A global on a prepared site is refused as a global, with what to do instead, not as a name out of scope.
    else assert.match(line, /pid <`process` is a global: .*assign what you need of `process` to a variable the function uses/);
    assert.match(
      await outputOf(events, bigint.action.id),
      /^big <`\*\*`: the result would have about 1426\d+ bits; a probe computes bigints of at most 65536 bits> <`\*`: the result would have about 95098 bits; .*> 7$/,
    );
    await statusOf(events, bigint.action.id, 'error');

    // The checker refuses the agent's names and constant bigint work before any agent sees them.
    for (const template of ['{$lp$v}', 'x {$lp$hook.NA}', '{$lpF}', '{(3n ** 100000n) ** 300n}']) {
      const response = await fetch(`${cp.url}/api/v1/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'log', ...HERE, template }),
      });
      assert.equal(response.status, 400, template);
      assert.match(
        await response.text(),
        /reserved for the liveprobe agent's own code|a probe computes bigints of at most 65536 bits/,
        template,
      );
    }
    // Whoever publishes desired state straight to the broker (no LIVEPROBE_PUBLIC_KEY here) meets the agent's own check.
    const intruder = await mqtt.connectAsync(cp.mqttUrl, { reconnectPeriod: 0 });
    t.after(() => intruder.endAsync());
    const reports: { actionId?: string; state?: string; message?: string }[] = [];
    intruder.on('message', (_topic, payload) => reports.push(JSON.parse(payload.toString()) as (typeof reports)[number]));
    await intruder.subscribeAsync(`liveprobe/v1/agents/${agentId}/events`, { qos: 1 });
    const forged = {
      id: 'act_reserved',
      type: 'log',
      file: HERE.file,
      line: HERE.line,
      template: 'stolen {$lp$v} {$lp$hook}',
      level: 'info',
      maxHits: 10,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      createdAt: new Date().toISOString(),
      tags: [],
      agents: [agentId],
    };
    await intruder.publishAsync(`liveprobe/v1/agents/${agentId}/actions`, JSON.stringify({ rev: 1, actions: [forged] }), { qos: 1 });
    const refusal = await waitFor(
      () =>
        reports.find((r) => r.actionId === 'act_reserved' && r.state === 'error') ??
        (/ignored a message on .*\$lp/.test(service.output()) ? {} : undefined),
      WAIT,
      'the agent refusing it',
    );
    if (refusal.actionId !== undefined)
      assert.match(refusal.message ?? '', /^name `\$lp\$v` at column 9 of .*names starting with `\$lp` are reserved/);

    // The agent's own files: installed from node_modules/@liveprobe and built in the workspace.
    const hookFile = 'node_modules/@liveprobe/agent/dist/main/probe-hook.js';
    const hookLine =
      readFileSync(fromRoot(hookFile), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('this.run(probe, frame, ')) + 1;
    // The app thread runs the agent from its bundle (agent/scripts/bundle-agent.mjs): the chunk compiling expressions.
    const bundle = 'agent/dist/bundle';
    const compileChunk = readdirSync(fromRoot(bundle)).find((name) =>
      readFileSync(fromRoot(`${bundle}/${name}`), 'utf8').includes('function compileExpression('),
    );
    assert.ok(compileChunk !== undefined, 'the bundle compiles expressions');
    const compileFile = `${bundle}/${compileChunk}`;
    const compileLine =
      readFileSync(fromRoot(compileFile), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('function compileExpression(')) + 1;
    assert.ok(hookLine > 0 && compileLine > 0);
    const own = [
      await addAction(cp, { type: 'log', file: hookFile, line: hookLine, template: 'inside {values}', tags: ['secrets'] }),
      await addAction(cp, { type: 'snapshot', file: compileFile, line: compileLine, tags: ['secrets'] }),
      await addAction(cp, { type: 'counter', file: fromRoot(compileFile), line: compileLine, name: 'agent.evals', tags: ['secrets'] }),
    ];
    for (const { action } of own) {
      assert.match(
        (await statusOf(events, action.id, 'error')).message ?? '',
        /^file `.*(probe-hook|chunk-\w+)\.js` is part of the liveprobe agent itself; the agent never probes its own code/,
      );
    }
    // A later action still works, and nothing came from the refused ones.
    const after = await addAction(cp, { type: 'log', ...HERE, template: 'after {plain}' });
    await installed(after.action.id);
    assert.equal((await request(3)).getterCalls, 0);
    assert.equal(await outputOf(events, after.action.id), 'after visible');
    for (const id of [...own.map((o) => o.action.id), 'act_reserved'])
      assert.equal(events.events().filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id).length, 0);
  });
}

test("cjs (--require): module bindings and Node's own globals are still read at a breakpoint", async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const script = 'test/fixtures/orders.cjs';
  const service = await app(t, { script, module: 'cjs', broker: cp.mqttUrl, tags: ['cjs-names'] });
  const { action } = await addAction(cp, {
    type: 'log',
    file: script,
    line: lineOf(script, 'cjs-total'),
    template: 'fn {typeof priceOf} buffer {typeof Buffer} pid {process.pid > 0} url {typeof URL} total {total} order {order.quantity}',
    tags: ['cjs-names'],
  });
  await statusOf(events, action.id, 'installed');
  assert.equal((await fetch(`${service.url}/?id=1`)).status, 200);
  assert.equal(await outputOf(events, action.id), 'fn function buffer function pid true url function total 21 order 3');
});
