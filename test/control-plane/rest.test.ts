import { defined } from '@liveprobe/protocol/util';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import type { ErrorBody } from '@liveprobe/control-plane';
import type { ActionView, AgentEvent, AgentView, CreatedAction } from '@liveprobe/protocol';
import { birth, defaultTopics, inProcess, logAction, postAction, receive, t0 } from './fixtures.js';

const statusTopic = (agentId: string) => defaultTopics.agentStatus(agentId);
const eventsTopic = (agentId: string) => defaultTopics.agentEvents(agentId);

test('a template with an unclosed brace is rejected with 400 naming the template field', async (t) => {
  const { app } = await inProcess(t);
  const response = await postAction(app, logAction({ template: 'order {order.id' }));
  assert.equal(response.status, 400);
  const { error } = (await response.json()) as ErrorBody;
  assert.equal(error.code, 'invalid_body');
  assert.equal(error.issues?.length, 1);
  assert.equal(error.issues?.[0]?.path, 'template');
  assert.match(error.issues?.[0]?.message ?? '', /unclosed `\{`/);
});

test('every bad field is reported with its dotted path, unknown fields and missing ones included', async (t) => {
  const { app } = await inProcess(t);
  const response = await postAction(app, { type: 'log', line: 0, template: 'x', tags: ['ok', 'not ok'], colour: 'blue' });
  assert.equal(response.status, 400);
  const { error } = (await response.json()) as ErrorBody;
  assert.deepEqual(error.issues?.map((issue) => issue.path).sort(), ['colour', 'file', 'line', 'tags.1']);
  assert.equal(error.issues?.find((issue) => issue.path === 'file')?.message, 'required');
});

test('ratePerSecond is kept on log and snapshot actions and sent to agents; out of range or on a counter it is refused, naming the field', async (t) => {
  const { app, published } = await inProcess(t);
  const created = await postAction(app, logAction({ ratePerSecond: 0.5 }));
  assert.equal(created.status, 201);
  const { action } = (await created.json()) as CreatedAction;
  assert.equal(action.type === 'log' ? action.ratePerSecond : undefined, 0.5);
  const sent = published.find((m) => m.topic === 'liveprobe/v1/tags/checkout/actions')?.state.actions[0];
  assert.equal(sent?.type === 'log' ? sent.ratePerSecond : undefined, 0.5);
  for (const [body, message] of [
    [logAction({ ratePerSecond: 0 }), /above 0/],
    [logAction({ ratePerSecond: 5000 }), /at most 1000/],
    [{ ...logAction(), ratePerSecond: 'fast' }, /number of hits per second/],
  ] as const) {
    const response = await postAction(app, body);
    assert.equal(response.status, 400);
    const { error } = (await response.json()) as ErrorBody;
    assert.equal(error.issues?.[0]?.path, 'ratePerSecond');
    assert.match(error.issues?.[0]?.message ?? '', message);
  }
  const counter = await postAction(app, { type: 'counter', file: 'a.js', line: 1, name: 'c', tags: ['x'], ratePerSecond: 5 });
  assert.equal(counter.status, 400);
  assert.equal(((await counter.json()) as ErrorBody).error.issues?.[0]?.path, 'ratePerSecond');
});

test('a body that is not JSON gets a 400 that says so', async (t) => {
  const { app } = await inProcess(t);
  const response = await postAction(app, '{"type": "log",');
  assert.equal(response.status, 400);
  const { error } = (await response.json()) as ErrorBody;
  assert.equal(error.code, 'invalid_json');
  assert.match(error.message, /not valid JSON/);
});

test('an action is created with a readable id, a default expiry of one hour, and is published to its tag', async (t) => {
  const { app, published } = await inProcess(t);
  const response = await postAction(app, logAction({ agents: ['api-7'] }));
  assert.equal(response.status, 201);
  const { action } = (await response.json()) as CreatedAction;
  assert.match(action.id, /^act_[0-9a-z]{10}$/);
  assert.equal(action.createdAt, new Date(t0).toISOString());
  assert.equal(action.expiresAt, new Date(t0 + 3_600_000).toISOString());
  assert.equal(action.state, 'active');
  assert.equal(action.summary, 'waiting for agents');
  assert.equal(action.type === 'log' ? action.level : undefined, 'info');
  assert.equal(action.maxHits, 1000);

  const tagMessage = published.find((m) => m.topic === 'liveprobe/v1/tags/checkout/actions');
  const agentMessage = published.find((m) => m.topic === 'liveprobe/v1/agents/api-7/actions');
  assert.deepEqual(
    tagMessage?.state.actions.map((a) => a.id),
    [action.id],
  );
  assert.deepEqual(
    agentMessage?.state.actions.map((a) => a.id),
    [action.id],
  );
  assert.equal(tagMessage?.state.rev, agentMessage?.state.rev);
});

test('an action for a tag no agent reported is still created, with a warning that lists the known tags', async (t) => {
  const { app, services } = await inProcess(t);
  await receive(services, statusTopic('api-1'), birth('api-1', ['production', 'eu']));
  const response = await postAction(app, logAction({ tags: ['prodcution'] }));
  assert.equal(response.status, 201);
  const { warnings } = (await response.json()) as CreatedAction;
  assert.deepEqual(warnings, [
    'no agent has reported tag "prodcution" yet (known tags: eu, production); the action will install when one joins',
  ]);

  const known = await postAction(app, logAction({ tags: ['production'] }));
  assert.deepEqual(((await known.json()) as CreatedAction).warnings, []);
});

test('actions are listed newest first; get returns one; an unknown id is a 404', async (t) => {
  const { app } = await inProcess(t);
  const ids: string[] = [];
  for (const line of [1, 2, 3]) {
    const response = await postAction(app, logAction({ line }));
    ids.push(((await response.json()) as CreatedAction).action.id);
  }
  const list = (await (await app.request('/api/v1/actions')).json()) as { actions: ActionView[] };
  assert.deepEqual(
    list.actions.map((a) => a.id),
    [...ids].reverse(),
  );

  const one = (await (await app.request(`/api/v1/actions/${ids[0]}`)).json()) as ActionView;
  assert.equal(one.line, 1);

  const missing = await app.request('/api/v1/actions/act_nosuchthing');
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as ErrorBody).error.code, 'not_found');
});

test('deleting an action unlists it and republishes its tag with an empty set', async (t) => {
  const { app, published } = await inProcess(t);
  const { action } = (await (await postAction(app, logAction())).json()) as CreatedAction;
  const created = published.at(-1);

  const response = await app.request(`/api/v1/actions/${action.id}`, { method: 'DELETE' });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { deleted: action.id });

  const last = published.at(-1);
  assert.equal(last?.topic, 'liveprobe/v1/tags/checkout/actions');
  assert.deepEqual(last?.state.actions, []);
  assert.ok((last?.state.rev ?? 0) > (created?.state.rev ?? 0), 'the revision moves forward');

  assert.equal((await app.request(`/api/v1/actions/${action.id}`)).status, 404);
  assert.equal((await app.request(`/api/v1/actions/${action.id}`, { method: 'DELETE' })).status, 404);
});

test('an action whose time is up stays listed as expired and leaves the desired set', async (t) => {
  const { app, services, published, advance } = await inProcess(t);
  const { action } = (await (await postAction(app, logAction({ expiresIn: '30s' }))).json()) as CreatedAction;
  const { action: keeper } = (await (await postAction(app, logAction({ line: 7, expiresIn: '2h' }))).json()) as CreatedAction;

  advance(31_000);
  await services.actions.expireDue();

  const view = (await (await app.request(`/api/v1/actions/${action.id}`)).json()) as ActionView;
  assert.equal(view.state, 'expired');
  const last = published.at(-1);
  assert.equal(last?.topic, 'liveprobe/v1/tags/checkout/actions');
  assert.deepEqual(
    last?.state.actions.map((a) => a.id),
    [keeper.id],
  );
});

test('agent reports become per-agent statuses, hit counts and a summary', async (t) => {
  const { app, services } = await inProcess(t);
  const { action } = (await (await postAction(app, logAction())).json()) as CreatedAction;
  const time = new Date(t0).toISOString();
  const status = (agentId: string, state: 'installed' | 'error', message?: string): AgentEvent => ({
    kind: 'action_status',
    agentId,
    time,
    actionId: action.id,
    state,
    ...defined({ message }),
    ...(state === 'installed' ? { location: { file: '/srv/app/src/orders.ts', line: 42 } } : {}),
  });
  for (const agentId of ['api-1', 'api-2', 'api-3']) await receive(services, statusTopic(agentId), birth(agentId, ['checkout']));
  await receive(services, eventsTopic('api-1'), status('api-1', 'installed'));
  await receive(services, eventsTopic('api-2'), status('api-2', 'installed'));
  await receive(services, eventsTopic('api-3'), status('api-3', 'error', 'no loaded script matches src/orders.ts'));
  for (let i = 0; i < 3; i++) {
    await receive(services, eventsTopic('api-1'), {
      kind: 'output',
      agentId: 'api-1',
      time,
      actionId: action.id,
      level: 'info',
      message: `order ${i}`,
      file: 'src/orders.ts',
      line: 42,
    });
  }

  const view = (await (await app.request(`/api/v1/actions/${action.id}`)).json()) as ActionView;
  assert.equal(view.summary, 'installed on 2/3 agents; 1 error: api-3: no loaded script matches src/orders.ts');
  assert.deepEqual(
    view.statuses.map((s) => [s.agentId, s.state, s.hits]),
    [
      ['api-1', 'installed', 3],
      ['api-2', 'installed', 0],
      ['api-3', 'error', 0],
    ],
  );
  assert.deepEqual(view.statuses[0]?.location, { file: '/srv/app/src/orders.ts', line: 42 });
});

test("online agents an action targets that have not reported on it yet count in its summary, as not answered yet; other tags' and offline agents do not", async (t) => {
  const { app, services } = await inProcess(t);
  const { action } = (await (await postAction(app, logAction({ agents: ['named-1'] }))).json()) as CreatedAction;
  // A cluster's workers: one installed, one still installing; another app's agent; one named by id; one gone.
  for (const [agentId, tags] of [
    ['api-1', ['checkout']],
    ['api-2', ['checkout']],
    ['billing-1', ['billing']],
    ['named-1', []],
    ['api-3', ['checkout']],
  ] as const) {
    await receive(services, statusTopic(agentId), birth(agentId, [...tags]));
  }
  await receive(services, statusTopic('api-3'), { state: 'offline', agentId: 'api-3' });
  const view = async () => (await (await app.request(`/api/v1/actions/${action.id}`)).json()) as ActionView;
  assert.equal((await view()).summary, 'waiting for agents');
  await receive(services, eventsTopic('api-1'), {
    kind: 'action_status',
    agentId: 'api-1',
    time: new Date(t0).toISOString(),
    actionId: action.id,
    state: 'installed',
    location: { file: '/srv/app/src/orders.ts', line: 42 },
  });
  assert.equal((await view()).summary, 'installed on 1/3 agents; 2 not answered yet');
  const listed = (await (await app.request('/api/v1/actions')).json()) as { actions: ActionView[] };
  assert.equal(listed.actions.find((a) => a.id === action.id)?.summary, 'installed on 1/3 agents; 2 not answered yet');
});

test('agents appear with their birth data, and go offline when their Last Will arrives', async (t) => {
  const { app, services } = await inProcess(t);
  await receive(services, statusTopic('api-1'), birth('api-1', ['production']));
  await receive(services, statusTopic('api-2'), birth('api-2', ['staging']));
  await receive(services, statusTopic('api-1'), { state: 'offline', agentId: 'api-1' });

  const { agents } = (await (await app.request('/api/v1/agents')).json()) as { agents: AgentView[] };
  assert.deepEqual(
    agents.map((a) => [a.agentId, a.online]),
    [
      ['api-2', true],
      ['api-1', false],
    ],
  );
  assert.deepEqual(agents[1], {
    agentId: 'api-1',
    hostname: 'host-1',
    pid: 4242,
    runtime: 'node',
    runtimeVersion: 'v20.20.2',
    agentVersion: '0.1.0',
    tags: ['production'],
    startedAt: new Date(t0).toISOString(),
    online: false,
    lastSeen: new Date(t0).toISOString(),
  });
});

test('an agent that prepares files says how they fared; its status sent again replaces the summary, and the log says what changed', async (t) => {
  const { app, services, logs } = await inProcess(t);
  const started = birth('api-1', ['production']);
  const summary = { transformed: 3, cached: 0, failed: 0, failures: [] };
  await receive(services, statusTopic('api-1'), { ...started, prepare: summary });
  const later = {
    transformed: 3,
    cached: 1,
    failed: 1,
    failures: [{ path: '/srv/dist/legacy.js', reason: 'cannot parse: Unexpected token (3:4)' }],
  };
  await receive(services, statusTopic('api-1'), { ...started, prepare: later });

  const { agents } = (await (await app.request('/api/v1/agents')).json()) as { agents: AgentView[] };
  assert.deepEqual(agents[0]?.prepare, later);
  assert.equal(agents[0]?.startedAt, started.startedAt);
  assert.deepEqual(
    logs.filter((line) => line.startsWith('agent api-1')),
    ['agent api-1 online (host-1 pid 4242, tags: production; prepared 3 files)', 'agent api-1 prepared 4 files, 1 left untouched'],
  );
});

test('the log says an agent is online once: its status sent again is no second arrival, one back from offline reconnected, and nothing prepared yet is not mentioned', async (t) => {
  const { services, logs } = await inProcess(t);
  // An agent that prepares files starts with nothing prepared yet: no `prepared 0 files` to read.
  const started = { ...birth('api-1', ['production']), prepare: { transformed: 0, cached: 0, failed: 0, failures: [] } };
  await receive(services, statusTopic('api-1'), started);
  await receive(services, statusTopic('api-1'), started);
  await receive(services, statusTopic('api-1'), { state: 'offline', agentId: 'api-1' });
  await receive(services, statusTopic('api-1'), started);
  await receive(services, statusTopic('api-1'), { ...started, pid: 4343, startedAt: new Date(t0 + 60_000).toISOString() });
  assert.deepEqual(
    logs.filter((line) => line.startsWith('agent api-1')),
    [
      'agent api-1 online (host-1 pid 4242, tags: production)',
      'agent api-1 offline',
      'agent api-1 reconnected (host-1 pid 4242, tags: production)',
      'agent api-1 online (host-1 pid 4343, tags: production)',
    ],
  );
});

test('reports that arrive in one burst (a fleet connecting) are stored in their order: births, an offline and a birth again, heartbeats', async (t) => {
  const { app, services, logs } = await inProcess(t);
  const started = birth('api-1', ['production']);
  // One socket read hands the control plane many reports at once; births are stored together.
  const burst: Array<[string, Parameters<typeof receive>[2]]> = [
    [statusTopic('api-1'), started],
    [statusTopic('api-2'), birth('api-2', ['production'])],
    [statusTopic('api-1'), { state: 'offline', agentId: 'api-1' }],
    [statusTopic('api-3'), birth('api-3', ['staging'])],
    [statusTopic('api-1'), started],
    [statusTopic('api-2'), { state: 'offline', agentId: 'api-2' }],
    [eventsTopic('api-3'), { kind: 'heartbeat', agentId: 'api-3', time: new Date(t0).toISOString(), actions: 0 }],
  ];
  for (const [topic, message] of burst) services.ingest.handle(topic, Buffer.from(JSON.stringify(message)));
  await services.ingest.idle();

  const { agents } = (await (await app.request('/api/v1/agents')).json()) as { agents: AgentView[] };
  assert.deepEqual(agents.map((a) => [a.agentId, a.online, a.tags.join()]).sort(), [
    ['api-1', true, 'production'],
    ['api-2', false, 'production'],
    ['api-3', true, 'staging'],
  ]);
  assert.deepEqual(
    logs.filter((line) => line.startsWith('agent ')),
    [
      'agent api-1 online (host-1 pid 4242, tags: production)',
      'agent api-2 online (host-1 pid 4242, tags: production)',
      'agent api-1 offline',
      'agent api-3 online (host-1 pid 4242, tags: staging)',
      'agent api-1 reconnected (host-1 pid 4242, tags: production)',
      'agent api-2 offline',
    ],
  );
});

test('malformed agent messages are logged and ignored', async (t) => {
  const { app, services, logs } = await inProcess(t);
  await receive(services, statusTopic('api-1'), 'not json');
  await receive(services, statusTopic('api-1'), JSON.stringify({ state: 'online', agentId: 'api-1' }));
  await receive(services, statusTopic('api-1'), birth('someone-else', []));
  const { agents } = (await (await app.request('/api/v1/agents')).json()) as { agents: AgentView[] };
  assert.deepEqual(agents, []);
  assert.equal(logs.filter((line) => line.startsWith('ignored a message on liveprobe/v1/agents/api-1/status')).length, 3);
});

test('the event stream delivers matching events named by kind, and forgets a client that disconnects', async (t) => {
  const { app, services } = await inProcess(t);
  const created = async (line: number) =>
    ((await (await postAction(app, logAction({ line, tags: [], agents: ['api-1'] }))).json()) as CreatedAction).action.id;
  const wanted = await created(1);
  const other = await created(2);
  const response = await app.request(`/api/v1/events?action=${wanted}`);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const received: Array<{ event: string | undefined; data: unknown }> = [];
  const parser = createParser({ onEvent: (message) => received.push({ event: message.event, data: JSON.parse(message.data) }) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const readUntil = async (count: number) => {
    while (received.length < count) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended early');
      parser.feed(decoder.decode(value, { stream: true }));
    }
  };
  assert.equal(services.events.size, 1);

  const time = new Date(t0).toISOString();
  const output = (actionId: string): AgentEvent => ({
    kind: 'output',
    agentId: 'api-1',
    time,
    actionId,
    level: 'warn',
    message: actionId === wanted ? 'from the wanted action' : 'from another',
    file: 'a.ts',
    line: 1,
  });
  await receive(services, eventsTopic('api-1'), output(other));
  await receive(services, eventsTopic('api-1'), output(wanted));
  await receive(services, eventsTopic('api-1'), {
    kind: 'action_status',
    agentId: 'api-1',
    time,
    actionId: wanted,
    state: 'paused',
    message: 'over quota',
  });
  await readUntil(2);
  assert.deepEqual(
    received.map((r) => r.event),
    ['output', 'action_status'],
  );
  assert.equal((received[0]?.data as { message: string }).message, 'from the wanted action');

  await reader.cancel();
  assert.equal(services.events.size, 0);
});

test('health and unknown routes answer in the API error shape', async (t) => {
  const { app } = await inProcess(t);
  assert.deepEqual(await (await app.request('/api/v1/healthz')).json(), { ok: true });
  assert.deepEqual(await (await app.request('/healthz')).json(), { ok: true });
  const missing = await app.request('/api/v2/actions');
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as ErrorBody).error.code, 'not_found');
});
