/**
 * An idle agent keeps its broker link on the app's main thread and starts no worker thread until
 * an action targets it (main/standby-link.ts): the agent is online and its heartbeats flow while
 * idle, the first action still installs and exports through OpenTelemetry, and removing every
 * action then adding one again works. "No worker" is read from the app's own diagnostic report.
 * The link adds no global to the app, and its mqtt is a CommonJS file V8 can collect once the
 * worker took the link over.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { topics, type AgentView, type CreatedAction, type OutputEvent } from '@liveprobe/protocol';
import mqtt from 'mqtt';
import { Child, fromRoot } from '@liveprobe/harness';
import { lineOf, mosquitto, otlpReceiver, sseEvents, waitFor, type SseEvent } from '../../helpers/index.js';
import { addAction, app, controlPlane, deleteAction, installed } from '../fixtures.js';

const WAIT = 15_000;
const SERVICE = 'test/fixtures/idle-service.mjs';
const WORK_LINE = lineOf(SERVICE, 'work');
const STANDBY = /connected to \S+ as (\S+) \(tags: [^)]*\); the agent's worker starts with the first action/;
const STARTING = "an action targets this agent: starting the agent's worker";

async function workers(url: string): Promise<number> {
  return Number(await (await fetch(`${url}/workers`)).text());
}

async function agentView(cpUrl: string, agentId: string): Promise<AgentView | undefined> {
  const { agents } = (await (await fetch(`${cpUrl}/api/v1/agents`)).json()) as { agents: AgentView[] };
  return agents.find((a) => a.agentId === agentId);
}

async function idleService(t: TestContext, agentId: string, env: Record<string, string> = {}) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: SERVICE,
    broker: cp.mqttUrl,
    tags: ['idle'],
    agentId,
    env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'idle-test', LIVEPROBE_LOG_LEVEL: 'debug', ...env },
  });
  return { cp, otlp, events, service };
}

const output = (actionId: string) => (e: SseEvent) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId;

test('an idle agent is online from the app thread with no worker; the first action starts it and reaches a real OTLP receiver; remove all and add again works', async (t) => {
  const { cp, otlp, events, service } = await idleService(t, 'standby-e2e');
  await waitFor(() => STANDBY.test(service.output()), WAIT, 'the app thread to join the fleet');
  await waitFor(async () => (await agentView(cp.url, 'standby-e2e'))?.online === true, WAIT, 'the agent online in the API');
  const view = await agentView(cp.url, 'standby-e2e');
  assert.deepEqual([view?.tags, view?.pid, view?.runtime], [['idle'], service.pid, 'node']);
  assert.equal(await workers(service.url), 0, 'no worker thread while nothing targets the agent');
  assert.ok(!service.output().includes(STARTING));

  const first = await addAction(cp, { type: 'log', file: SERVICE, line: WORK_LINE, template: 'first n={n}', tags: ['idle'] });
  assert.match(await installed(cp, first.action.id), /^installed: breakpoint/);
  assert.ok(service.output().includes(STARTING), 'the first action started the worker');
  assert.equal(await workers(service.url), 1);
  await fetch(`${service.url}/work?n=7`);
  await otlp.waitForLog((r) => r.body === 'first n=7', WAIT, 'the log line through OTLP');
  assert.equal((await agentView(cp.url, 'standby-e2e'))?.startedAt, view?.startedAt, 'the worker announces the same start');

  await deleteAction(cp, first.action.id);
  await events.waitFor((e) => e.event === 'action_status' && (e.data as { state: string }).state === 'removed', WAIT, 'removed');
  const again = await addAction(cp, { type: 'log', file: SERVICE, line: WORK_LINE, template: 'again n={n}', tags: ['idle'] });
  assert.match(await installed(cp, again.action.id), /^installed: breakpoint/);
  await fetch(`${service.url}/work?n=8`);
  await events.waitFor(output(again.action.id), WAIT, 'the second action’s line');
  await otlp.waitForLog((r) => r.body === 'again n=8', WAIT, 'the second line through OTLP');
  assert.equal(await workers(service.url), 1, 'one worker, started once');
  assert.equal(service.output().split(STARTING).length - 1, 1);
});

test("with files prepared as they load, the idle agent's status counts them from the app thread, and still after the worker took over", async (t) => {
  const { cp, service } = await idleService(t, 'standby-prepare', { LIVEPROBE_PREPARE: fromRoot(SERVICE), LIVEPROBE_PREPARE_CACHE: 'off' });
  await waitFor(() => STANDBY.test(service.output()), WAIT, 'the app thread to join the fleet');
  await waitFor(
    async () => (await agentView(cp.url, 'standby-prepare'))?.prepare?.transformed === 1,
    WAIT,
    'the prepared file in the status',
  );
  // Node's loader hooks thread (module.register) is one of the report's workers.
  const before = await workers(service.url);
  assert.ok(!service.output().includes(STARTING), 'no agent worker for prepared files alone');
  const { action } = await addAction(cp, { type: 'log', file: SERVICE, line: WORK_LINE, template: 'n={n}', tags: ['idle'] });
  assert.match(await installed(cp, action.id), /^installed: prepared site/);
  assert.equal(await workers(service.url), before + 1, 'the action started the agent’s worker');
  await waitFor(async () => (await agentView(cp.url, 'standby-prepare'))?.prepare?.transformed === 1, WAIT, 'the worker’s status');
});

test('heartbeats flow while the agent idles without a worker', { timeout: 120_000 }, async (t) => {
  const { cp, service } = await idleService(t, 'standby-heartbeat');
  await waitFor(async () => (await agentView(cp.url, 'standby-heartbeat'))?.online === true, WAIT, 'the agent online');
  const birth = (await agentView(cp.url, 'standby-heartbeat'))!.lastSeen;
  // Heartbeats come every 30 s: the control plane's lastSeen moves with the first one.
  await waitFor(async () => (await agentView(cp.url, 'standby-heartbeat'))!.lastSeen > birth, 60_000, 'a heartbeat');
  assert.equal(await workers(service.url), 0, 'still no worker after the heartbeat');
  assert.ok(!service.output().includes(STARTING));
});

test('LIVEPROBE_WORKER_START=startup starts the worker with the app, which joins the fleet itself', async (t) => {
  const { cp, service } = await idleService(t, 'standby-eager', { LIVEPROBE_WORKER_START: 'startup' });
  await waitFor(() => /connected to \S+ as standby-eager/.test(service.output()), WAIT, 'the worker to connect');
  assert.ok(!STANDBY.test(service.output()), 'the app thread never joined');
  assert.equal(await workers(service.url), 1);
  await waitFor(async () => (await agentView(cp.url, 'standby-eager'))?.online === true, WAIT, 'the agent online');
});

test('a wrong LIVEPROBE_WORKER_START disables the agent at start, with the setting named', async (t) => {
  const cp = await controlPlane(t);
  const service = await app(t, { script: SERVICE, broker: cp.mqttUrl, env: { LIVEPROBE_WORKER_START: 'later' } });
  await waitFor(() => service.output().includes('the agent is disabled'), WAIT, 'the agent to say why it is disabled');
  assert.match(service.output(), /LIVEPROBE_WORKER_START: "later" is not one of first-action, startup/);
});

test("the app thread's link releases a waiting start-up and never keeps the app alive, connected or not", async () => {
  const broker = await mosquitto();
  try {
    for (const url of [broker.url, 'mqtt://127.0.0.1:9']) {
      const job = new Child(process.execPath, ['--import', '@liveprobe/agent/register', fromRoot('test/fixtures/idle-job.mjs')], {
        name: `job (${url})`,
        env: {
          LIVEPROBE_BROKER_URL: url,
          LIVEPROBE_AGENT_ID: 'standby-job',
          LIVEPROBE_LOG_LEVEL: 'debug',
          // Connected, the job starts once the app thread's link has seen that no action is waiting.
          LIVEPROBE_STARTUP_WAIT_MS: url === broker.url ? '20000' : '1000',
        },
      });
      const status = await Promise.race([
        job.exited,
        new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000).unref()),
      ]);
      if (status === 'running') await job.stop('SIGKILL');
      assert.notEqual(status, 'running', `the job with the broker at ${url} did not end: ${job.output()}`);
      const output = job.output();
      assert.match(output, /job done/);
      if (url === broker.url) {
        assert.ok(STANDBY.test(output.slice(0, output.indexOf('job done'))), `joined the fleet before the job ran: ${output}`);
        assert.doesNotMatch(output, /LIVEPROBE_STARTUP_WAIT_MS .* ran out/);
      }
    }
  } finally {
    await broker.stop();
  }
});

/** On each line of stdin, the names of the app's globals (what an app's own code could trip over). */
const LIST_GLOBALS =
  "require('node:readline').createInterface({ input: process.stdin }).on('line', () => console.log('globals ' + JSON.stringify(Object.getOwnPropertyNames(globalThis))));";

async function globalsOf(child: Child): Promise<string[]> {
  child.write('list\n');
  return JSON.parse((await child.waitForMatch(/^globals (.*)$/, WAIT, 'the list of globals'))[1]!) as string[];
}

test("the app thread's link adds no global to the app besides the agent's own $lp names (mqtt's browser timers would add regeneratorRuntime)", async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const bare = new Child(process.execPath, ['-e', LIST_GLOBALS], { name: 'app without the agent', input: true });
  t.after(() => bare.stop());
  const withAgent = new Child(process.execPath, ['--import', '@liveprobe/agent/register', '-e', LIST_GLOBALS], {
    name: 'app with the agent',
    input: true,
    env: { LIVEPROBE_BROKER_URL: broker.url, LIVEPROBE_AGENT_ID: 'standby-globals' },
  });
  t.after(() => withAgent.stop());
  await withAgent.waitForMatch(STANDBY, WAIT, 'the app thread to join the fleet');
  const own = new Set(await globalsOf(bare));
  const added = (await globalsOf(withAgent)).filter((name) => !own.has(name));
  // The hook and the prepared-file registry (bridge.ts, prepare/prepared-messages.ts) are the agent's by design.
  assert.deepEqual(
    added.filter((name) => !name.startsWith('$lp')),
    [],
    `globals the agent added: ${added.join(', ')}`,
  );
  assert.ok(
    added.includes('$lp$hook'),
    `the agent's own hook global is there, so the list came after the agent started: ${added.join(', ')}`,
  );
});

test("the app thread's mqtt is one CommonJS file, in no ES chunk of the agent's bundle (Node never unloads an ES module, so its code would outlive the hand-over)", () => {
  const bundle = fromRoot('agent/dist/bundle');
  // mqtt's debug namespace, a string its client always holds.
  const holders = readdirSync(bundle).filter((name) => readFileSync(join(bundle, name), 'utf8').includes('mqttjs:client'));
  assert.deepEqual(holders, ['mqtt-pieces.cjs']);
});

test('an app that exits while its agent hands the link over to the worker is shown offline, not online for ever', async (t) => {
  const cp = await controlPlane(t);
  const script = 'test/fixtures/exits-at-hand-over.mjs';
  // Waiting in the tag's retained desired state: the app thread's link hands over as it joins.
  await addAction(cp, { type: 'log', file: script, line: 1, template: 'never', tags: ['idle'] });
  const service = await app(t, { script, broker: cp.mqttUrl, tags: ['idle'], agentId: 'exits-e2e', env: { LIVEPROBE_LOG_LEVEL: 'debug' } });
  assert.equal((await service.exited).code, 3, service.output());
  assert.ok(STANDBY.test(service.output()) && service.output().includes(STARTING), service.output());
  // The worker leaves as it connects: it installs nothing, so no inspector session holds the exit.
  assert.ok(!service.output().includes('Waiting for the debugger'), service.output());
  await waitFor(async () => (await agentView(cp.url, 'exits-e2e'))?.online === false, WAIT, 'the agent offline in the API');
});

const TICKING = 'test/fixtures/ticking-service.mjs';
const TICK_LINE = lineOf(TICKING, 'tick');
/** The hand-over's steps, in order (LIVEPROBE_LOG_LEVEL=debug): the worker starts in an event-loop turn of its own. */
const HAND_OVER_STEPS = [
  'an action arrived: the broker link on the app thread hands over to the worker',
  'the broker link on the app thread closed',
  STARTING,
];

/** How many ticks of the app's own timer had run as the agent wrote `line` (ticking-service.mjs). */
function ticksAt(output: string, line: string): number {
  const at = output.indexOf(line);
  assert.ok(at >= 0, `no "${line}" in ${output}`);
  return Number(/ \(app ticks (\d+)\)$/m.exec(output.slice(at))?.[1]);
}

/** The `n` of each line an action wrote, in order. */
async function ticksLogged(events: Awaited<ReturnType<typeof sseEvents>>, actionId: string, count: number): Promise<number[]> {
  const lines: number[] = [];
  await events.waitFor(
    (e) => {
      if (output(actionId)(e)) lines.push(Number((e.data as OutputEvent).message.replace('tick=', '')));
      return lines.length === count;
    },
    WAIT,
    `${count} lines of ${actionId}`,
  );
  return lines;
}

test("the worker starts in an event-loop turn of its own after the app thread's link closed, the app's timers before it; actions added meanwhile install on their prepared site and log each hit once", async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: TICKING,
    broker: cp.mqttUrl,
    tags: ['ticking'],
    agentId: 'standby-turns',
    env: { LIVEPROBE_LOG_LEVEL: 'debug', LIVEPROBE_PREPARE: fromRoot(TICKING), LIVEPROBE_PREPARE_CACHE: 'off' },
  });
  await waitFor(() => STANDBY.test(service.output()), WAIT, 'the app thread to join the fleet');
  // The second action arrives while the first one's hand-over is under way, or right after it.
  const actions: CreatedAction[] = [];
  for (let i = 0; i < 2; i++)
    actions.push(
      await addAction(cp, { type: 'log', file: TICKING, line: TICK_LINE, template: 'tick={n}', tags: ['ticking'], maxHits: 20 }),
    );
  for (const { action } of actions) assert.match(await installed(cp, action.id), /^installed: prepared site/);
  const [arrived, closed, started] = HAND_OVER_STEPS.map((step) => ticksAt(service.output(), step));
  // The broker's reply to the DISCONNECT comes when it comes; the worker then waits for the app's timers.
  assert.ok(
    arrived! <= closed! && closed! < started!,
    `the app's timer ran between the link's close and the worker's start: ${[arrived, closed, started].join(', ')}`,
  );
  for (const { action } of actions) {
    const logged = await ticksLogged(events, action.id, 20);
    // One line per run of the line from the first, none missing, none twice.
    assert.deepEqual(
      logged,
      logged.map((_, i) => logged[0]! + 10 * i),
      `${action.id}: ${logged.join(', ')}`,
    );
  }
});

/** mqtt's own end and close paths: its clean-up, keep-alive, volatile stores and reconnect logic. */
const MQTT_CLOSE_PATH = ['_cleanUp', '_destroyKeepaliveManager', '_flushVolatile', '_setupReconnect'];

/**
 * The names of mqtt's functions V8 compiled or ran on the app's main thread, from its
 * `--log-function-events` log (one file per isolate; the app's is the one that ran the app's script).
 */
function mqttFunctionsOnAppThread(dir: string): Set<string> {
  for (const file of readdirSync(dir)) {
    const scripts = new Set<string>();
    const names = new Set<string>();
    for (const line of readFileSync(join(dir, file), 'latin1').split('\n')) {
      const fields = line.split(',');
      if (fields[0] === 'script-details' && fields[2]?.endsWith('mqtt-pieces.cjs')) scripts.add(fields[1]!);
      // Compiled to run (not parsed ahead inside another function), or run.
      else if (fields[0] === 'function' && (fields[1] === 'parse-function' || fields[1] === 'first-execution') && scripts.has(fields[2]!))
        names.add(fields[7] ?? '');
    }
    if (/^script-details,\d+,file:.*ticking-service\.mjs,/m.test(readFileSync(join(dir, file), 'latin1'))) return names;
  }
  return new Set();
}

test("at the hand-over the app thread's link ends its socket itself after a clean DISCONNECT: none of mqtt's end and close paths runs on the app's thread, and the broker publishes no Last Will", async (t) => {
  const cp = await controlPlane(t);
  const logs = mkdtempSync(join(tmpdir(), 'liveprobe-standby-v8-'));
  t.after(() => rmSync(logs, { recursive: true, force: true }));
  const watcher = await mqtt.connectAsync(cp.mqttUrl, { reconnectPeriod: 0 });
  t.after(() => watcher.endAsync());
  const states: string[] = [];
  watcher.on('message', (_topic, payload) => {
    if (payload.length > 0) states.push((JSON.parse(payload.toString()) as { state: string }).state);
  });
  await watcher.subscribeAsync(topics().agentStatus('standby-close'), { qos: 1 });
  const service = await app(t, {
    script: TICKING,
    broker: cp.mqttUrl,
    tags: ['closing'],
    agentId: 'standby-close',
    nodeArgs: ['--log-function-events', `--logfile=${join(logs, 'v8.log')}`],
    env: { LIVEPROBE_LOG_LEVEL: 'debug', LIVEPROBE_PREPARE: fromRoot(TICKING), LIVEPROBE_PREPARE_CACHE: 'off' },
  });
  await waitFor(() => STANDBY.test(service.output()), WAIT, 'the app thread to join the fleet');
  const { action } = await addAction(cp, {
    type: 'log',
    file: TICKING,
    line: TICK_LINE,
    template: 'tick={n}',
    tags: ['closing'],
    maxHits: 5,
  });
  // V8 writes every function the worker compiles as it starts into the log: a slower start.
  const status = await installed(cp, action.id, 60_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${service.output()}`);
  });
  assert.match(status, /^installed: prepared site/);
  // The app thread's births (again as prepared files loaded), then the worker's: no Last Will between them.
  assert.ok(states.length >= 2 && !states.includes('offline'), `${states.join(', ')}\n${service.output()}`);
  assert.ok(service.output().includes('the broker link on the app thread closed'), service.output());
  await service.stop();
  const ran = mqttFunctionsOnAppThread(logs);
  // The log did hold the app thread's mqtt: what read the message that brought the action.
  assert.ok(ran.has('_parsePublish'), `mqtt's functions on the app's thread: ${[...ran].join(', ')}`);
  assert.deepEqual(
    MQTT_CLOSE_PATH.filter((name) => ran.has(name)),
    [],
    "mqtt's end and close paths ran on the app's thread",
  );
});
