/**
 * An action waiting for a CommonJS file is placed before the module's code runs
 * (main/commonjs-loader.ts): V8 pauses before scripts only, and Node compiles a CommonJS module as
 * a function, so the agent's loader runs a gate script of its own between Node's compile and the
 * module's run. A job's top-level lines, a lazily required module's load-time call and a
 * tsc-compiled file matched through its map are hit the one time they run; a module no action
 * waits for loads as Node gives it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { Child, fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents, tempDir, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, getAction, isOutput, isStatus } from '../fixtures.js';
import { nodeBinary, PINNED_MAJORS, testsMajor } from '../../node-versions/node-binaries.js';

const WAIT = 15_000;
const DIR = 'test/fixtures/commonjs-load';
// Node's loader is the agent's to step into here: every Node the project promises.
const MAJORS = [testsMajor, ...PINNED_MAJORS.filter((major) => major !== testsMajor)];

/** Runs a job with the agent, waiting at start-up for its actions; returns its output once it ended. */
async function runJob(t: TestContext, script: string, broker: string, agentId: string, node = process.execPath): Promise<string> {
  const job = new Child(node, ['--import', '@liveprobe/agent/register', script], {
    name: `job ${agentId}`,
    env: { LIVEPROBE_BROKER_URL: broker, LIVEPROBE_TAGS: 'jobs', LIVEPROBE_AGENT_ID: agentId, LIVEPROBE_STARTUP_WAIT_MS: '15000' },
  });
  t.after(() => job.stop('SIGKILL'));
  assert.equal((await job.exited).code, 0, job.output());
  return job.output();
}

for (const major of MAJORS)
  test(`on Node ${major}, with LIVEPROBE_STARTUP_WAIT_MS a CommonJS job's top-level line is hit the one time it runs`, async (t) => {
    const cp = await controlPlane(t);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const file = `${DIR}/job.cjs`;
    const { action } = await addAction(cp, {
      type: 'log',
      file,
      line: lineOf(file, 'cjs-job-total'),
      template: 'job {order.id} of {order.amount}',
      tags: ['jobs'],
    });
    const node = major === testsMajor ? process.execPath : nodeBinary(major as (typeof PINNED_MAJORS)[number]);
    const output = await runJob(t, fromRoot(file), cp.mqttUrl, `cjs-job-${major}`, node);
    assert.match(output, /settled 10/);
    assert.doesNotMatch(output, /went on after|ran out/);
    await events.waitFor(
      isOutput(action.id, (e) => e.message === 'job 9 of 5'),
      WAIT,
      "the job's top-level line",
    );
  });

test('a tsc-compiled CommonJS file, matched through its source map, is probed as it loads', async (t) => {
  const dir = await tempDir('liveprobe-cjs-load-');
  t.after(() => dir.remove());
  const out = join(dir.path, 'dist');
  const tsc = spawnSync(
    process.execPath,
    [
      fromRoot('node_modules/typescript/bin/tsc'),
      ...['--outDir', out, '--rootDir', fromRoot(`${DIR}/ts`), '--module', 'commonjs', '--target', 'ES2022', '--sourceMap', '--strict'],
      ...['--types', 'node', '--typeRoots', fromRoot('node_modules/@types'), '--skipLibCheck'],
      fromRoot(`${DIR}/ts/job.ts`),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const file = `${DIR}/ts/rates.ts`;
  const { action } = await addAction(cp, {
    type: 'log',
    file,
    line: lineOf(file, 'ts-load-rates'),
    template: 'rates for {region}: {table.rate}',
    tags: ['jobs'],
  });
  const output = await runJob(t, join(out, 'job.js'), cp.mqttUrl, 'cjs-tsc-job');
  assert.match(output, /rate 4/);
  await events.waitFor(
    isOutput(action.id, (e) => e.message === 'rates for us: 4'),
    WAIT,
    "the load-time call through tsc's map",
  );
});

const VARIANTS: { name: string; other?: boolean; env: Record<string, string> }[] = [
  { name: '', env: {} },
  { name: ', with another debugger in the process that resumes every pause', other: true, env: {} },
  // Prepared as it loads: the action takes a breakpoint in the pause, then moves to the file's sites.
  { name: ', the module prepared as it loads', env: { LIVEPROBE_PREPARE: fromRoot(`${DIR}/rates.cjs`), LIVEPROBE_PREPARE_CACHE: 'off' } },
];

for (const { name, other, env } of VARIANTS) {
  test(`a CommonJS module required on the first request has its load-time call hit; one no action waits for loads as before${name}`, async (t) => {
    const cp = await controlPlane(t);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const service = await app(t, {
      script: `${DIR}/lazy-app.cjs`,
      broker: cp.mqttUrl,
      ...(other ? { extraImports: ['./test/fixtures/resume-every-pause.mjs'] } : {}),
      env,
    });
    const file = `${DIR}/rates.cjs`;
    const { action } = await addAction(cp, {
      type: 'log',
      file,
      line: lineOf(file, 'load-rates'),
      template: 'rates for {region}',
      tags: ['e2e'],
    });
    await events.waitFor(isStatus(action.id, 'pending'), WAIT, 'the action waits for its file');

    assert.equal(await (await fetch(`${service.url}/load`)).text(), '3 true,true,function,true');
    await events.waitFor(
      isOutput(action.id, (e) => e.message === 'rates for eu'),
      WAIT,
      'the call made as the module loaded',
    );
    assert.equal(await (await fetch(`${service.url}/load`)).text(), '3 true,true,function,true', 'the app keeps serving');
    if (env.LIVEPROBE_PREPARE !== undefined)
      await waitFor(
        async () => (await getAction(cp, action.id)).statuses.some((s) => /^prepared site/.test(s.message ?? '')),
        WAIT,
        "the action moved to the file's prepared site",
      );
    assert.equal(events.events().filter(isOutput(action.id)).length, 1);
    assert.doesNotMatch(service.output(), /went on after|could not/);
  });
}
