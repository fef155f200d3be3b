// `liveprobe dap` driven by @vscode/debugadapter-testsupport's DebugClient, the way an editor
// drives it, against a real control plane and the example shop running with the agent.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ActionView, AgentView } from '@liveprobe/protocol';
import { lineOf, repoRoot, startApp, startControlPlane, waitFor, type App, type ControlPlane } from '../helpers/index.js';
import { builtFile, fromRoot, ObservedList } from '@liveprobe/harness';

const WAIT = 20_000;
const SOURCE = fromRoot('examples/shop/src/server.ts');
const RETURN_LINE = lineOf('examples/shop/src/server.ts', 'checkout-return');
const CREATED_LINE = lineOf('examples/shop/src/server.ts', 'order-created');
/** A file the shop never loads: the agent reports an error for it. */
const NOT_DEPLOYED = fromRoot('examples/shop/src/not-deployed.ts');

interface Adapter {
  dc: DebugClient;
  events: ObservedList<DebugProtocol.Event>;
  /** Disconnects (as an editor does when the session ends) and stops the process; once. */
  stop(): Promise<void>;
}

async function stack(t: TestContext): Promise<{ cp: ControlPlane; shop: App }> {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const shop = await startApp({
    script: 'examples/shop/dist/server.js',
    broker: cp.mqttUrl,
    tags: ['dap'],
    agentId: 'shop-dap',
    module: 'esm',
  });
  t.after(() => shop.stop());
  await waitFor(
    async () => ((await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: AgentView[] }).agents.some((a) => a.online),
    WAIT,
    "the shop's agent to be online",
  );
  return { cp, shop };
}

/** The real command, started as an editor starts it: `liveprobe dap` on stdio. */
async function adapter(t: TestContext, cp: ControlPlane, launch: Record<string, unknown> = {}): Promise<Adapter> {
  const command = `${process.execPath} ${builtFile('cli/dist/main.js')} dap --root ${repoRoot}`;
  const dc = new DebugClient(command, '', 'liveprobe', { shell: true, env: { ...process.env, LIVEPROBE_SERVER: cp.url } }, true);
  dc.defaultTimeout = WAIT;
  const events = new ObservedList<DebugProtocol.Event>();
  for (const name of ['breakpoint', 'output', 'stopped', 'initialized', 'thread'])
    dc.on(name, (event: DebugProtocol.Event) => events.push(event));
  await dc.start();
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= dc.stop());
  t.after(stop);
  await dc.initializeRequest({ adapterID: 'liveprobe', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.launchRequest(launch as DebugProtocol.LaunchRequestArguments);
  await events.waitFor((e) => e.event === 'initialized', WAIT, 'the initialized event');
  return { dc, events, stop };
}

function checkout(shop: App): Promise<Response> {
  return fetch(`${shop.url}/checkout`, { method: 'POST', body: JSON.stringify({ user: 'u1', items: [{ sku: 'tea', quantity: 2 }] }) });
}

function verified(events: ObservedList<DebugProtocol.Event>, id: number | undefined): Promise<DebugProtocol.Event> {
  return events.waitFor(
    (e) => e.event === 'breakpoint' && e.body.breakpoint.id === id && e.body.breakpoint.verified === true,
    WAIT,
    `breakpoint ${id} to be verified`,
  );
}

async function actions(cp: ControlPlane): Promise<ActionView[]> {
  return ((await (await fetch(`${cp.url}/api/v1/actions`)).json()) as { actions: ActionView[] }).actions;
}

test('a logpoint becomes a log action: verified once installed, its lines arrive as output events at the source line, and removing it deletes the action', {
  timeout: 120_000,
}, async (t) => {
  const { cp, shop } = await stack(t);
  // No tags in the launch configuration: the adapter targets the tags of the agents online.
  const { dc, events } = await adapter(t, cp);
  const set = await dc.setBreakpointsRequest({
    source: { path: SOURCE },
    breakpoints: [{ line: RETURN_LINE, logMessage: 'order {order.id} for {userId}: {order.amount}', condition: 'order.amount > 1' }],
  });
  await dc.configurationDoneRequest();
  const [bp] = set.body.breakpoints;
  assert.equal(bp?.verified, false, 'not verified before an agent installed it');
  await verified(events, bp?.id);

  const [action] = await actions(cp);
  assert.equal(action?.type, 'log');
  assert.equal(action?.file, 'examples/shop/src/server.ts', 'named relative to the root, as agents match it');
  assert.deepEqual(action?.tags, ['dap']);
  assert.equal(action?.condition, 'order.amount > 1');
  assert.equal(action?.lineText, '  return order; // probe: checkout-return', 'the line as the editor has it travels with the action');

  assert.equal((await checkout(shop)).status, 200);
  const output = await events.waitFor(
    (e) => e.event === 'output' && /order \d+ for u1: 8\.1/.test(e.body.output),
    WAIT,
    'the formatted log line',
  );
  assert.match(output.body.output, /^\[shop-dap\] order \d+ for u1: 8\.1\n$/);
  assert.equal(output.body.source?.path, SOURCE);
  assert.equal(output.body.line, RETURN_LINE);

  await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [] });
  assert.deepEqual(await actions(cp), [], 'removing the breakpoint deleted the action');
});

test('a breakpoint without a log message takes a snapshot: a stopped event whose stack, scopes, variables and watches are the captured ones', {
  timeout: 120_000,
}, async (t) => {
  const { cp, shop } = await stack(t);
  const { dc, events } = await adapter(t, cp, { tags: ['dap'] });
  const set = await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: RETURN_LINE }] });
  await dc.configurationDoneRequest();
  await verified(events, set.body.breakpoints[0]?.id);
  assert.equal((await actions(cp))[0]?.type, 'snapshot');

  assert.equal((await checkout(shop)).status, 200);
  const stopped = await events.waitFor((e) => e.event === 'stopped', WAIT, 'the snapshot as a stopped event');
  assert.equal(stopped.body.reason, 'breakpoint');
  assert.equal(stopped.body.description, 'Snapshot, app not paused');
  assert.deepEqual(stopped.body.hitBreakpointIds, [set.body.breakpoints[0]?.id]);
  const threadId = stopped.body.threadId as number;
  assert.match((await dc.threadsRequest()).body.threads.find((th) => th.id === threadId)?.name ?? '', /^snapshot snap_\w+ · shop-dap · /);

  const { stackFrames } = (await dc.stackTraceRequest({ threadId })).body;
  assert.equal(stackFrames[0]?.name, 'checkout');
  assert.equal(stackFrames[0]?.source?.path, SOURCE, 'the captured (source-mapped) frame opens the local file');
  assert.equal(stackFrames[0]?.line, RETURN_LINE);

  const { scopes } = (await dc.scopesRequest({ frameId: stackFrames[0]?.id as number })).body;
  assert.deepEqual(
    scopes.slice(0, 2).map((s) => s.name),
    ['Arguments', 'Locals'],
  );
  const args = (await dc.variablesRequest({ variablesReference: scopes[0]?.variablesReference as number })).body.variables;
  assert.equal(args.find((v) => v.name === 'userId')?.value, '"u1"');
  const locals = (await dc.variablesRequest({ variablesReference: scopes[1]?.variablesReference as number })).body.variables;
  const order = locals.find((v) => v.name === 'order');
  assert.ok(order !== undefined && order.variablesReference > 0, `order is expandable: ${JSON.stringify(locals)}`);
  const fields = (await dc.variablesRequest({ variablesReference: order.variablesReference })).body.variables;
  assert.equal(fields.find((v) => v.name === 'amount')?.value, '8.1');
  assert.equal(fields.find((v) => v.name === 'userId')?.value, '"u1"');

  // Watch and hover read what was captured; nothing is evaluated in the app.
  assert.equal(
    (await dc.evaluateRequest({ expression: 'order.lines[0].sku', frameId: stackFrames[0]?.id as number, context: 'watch' })).body.result,
    '"tea"',
  );
  await assert.rejects(
    dc.evaluateRequest({ expression: 'inventory.items.size + 1', frameId: stackFrames[0]?.id as number, context: 'watch' }),
    /was not captured; add it as a watch expression/,
  );
  await assert.rejects(dc.nextRequest({ threadId }), /nothing to step/);
});

test('a bad condition, log message or hit count, a hit count over the limit, or a line with no code gives an unverified breakpoint whose message says it in the editor’s words, an agent-side error its message, and ending the session removes its actions', {
  timeout: 120_000,
}, async (t) => {
  const { cp } = await stack(t);
  const { dc, events, stop } = await adapter(t, cp, { tags: ['dap'] });
  const set = await dc.setBreakpointsRequest({
    source: { path: SOURCE },
    breakpoints: [
      { line: RETURN_LINE, logMessage: 'total {order.}' },
      { line: RETURN_LINE, condition: 'order.amount = 3' },
      { line: CREATED_LINE, hitCondition: '% 2' },
      // Over the control plane's bound for a snapshot (1000): refused by the server, told in the editor's words.
      { line: CREATED_LINE, hitCondition: '5000' },
      { line: CREATED_LINE, logMessage: 'created {order.id}', hitCondition: '<= 2000000' },
      // A line with no code: past the end of the file.
      { line: 100_000, logMessage: 'nowhere' },
    ],
  });
  const elsewhere = await dc.setBreakpointsRequest({
    source: { path: NOT_DEPLOYED },
    breakpoints: [{ line: 3, logMessage: 'never {here}' }],
  });
  await dc.configurationDoneRequest();
  const [template, condition, hits, snapshotLimit, logLimit, pastTheEnd] = set.body.breakpoints;
  const unknown = elsewhere.body.breakpoints[0];
  // Each says what the user typed in the editor's words, why, and how to fix it.
  assert.equal(template?.verified, false);
  assert.match(template?.message ?? '', /^log message "total \{order\.\}": .*column/);
  assert.equal(condition?.verified, false);
  assert.match(condition?.message ?? '', /^condition "order\.amount = 3": /);
  assert.match(hits?.message ?? '', /^hit count "% 2": liveprobe takes a hit limit/);
  assert.equal(snapshotLimit?.verified, false);
  assert.match(snapshotLimit?.message ?? '', /^hit count 5000: .*1,000/);
  assert.match(logLimit?.message ?? '', /^hit count 2000000: .*1,000,000/);
  for (const bp of [template, condition, hits, snapshotLimit, logLimit])
    assert.doesNotMatch(bp?.message ?? '', /\b(template|maxHits|expiresIn|lineText)\b|location\./, 'no API field names');
  assert.equal((await actions(cp)).length, 2, 'only the valid breakpoints reached the server');
  const noCode = await events.waitFor(
    (e) => e.event === 'breakpoint' && e.body.breakpoint.id === pastTheEnd?.id && /has no code/.test(e.body.breakpoint.message ?? ''),
    WAIT,
    "the agent's refusal of a line with no code",
  );
  assert.match(
    noCode.body.breakpoint.message,
    /^shop-dap: line 100000 of .*server\.ts has no code in .*server\.js .*past the last statement/,
  );
  assert.equal(unknown?.verified, false);

  const error = await events.waitFor(
    (e) => e.event === 'breakpoint' && e.body.breakpoint.id === unknown?.id && /not-deployed\.ts/.test(e.body.breakpoint.message ?? ''),
    WAIT,
    "the agent's error on the breakpoint",
  );
  assert.equal(error.body.breakpoint.verified, false);
  assert.match(
    error.body.breakpoint.message,
    /^shop-dap: no loaded script matches `examples\/shop\/src\/not-deployed\.ts`.*it will install if such a script loads/,
  );

  await stop();
  assert.deepEqual(await actions(cp), [], 'the session took its actions with it');
});
