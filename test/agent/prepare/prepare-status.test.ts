/**
 * The agent's status says how its prepared files fared: counts, and each file left untouched
 * with why, in `GET /api/v1/agents` and `liveprobe agents`. Files that load later update it.
 */
import { defined } from '@liveprobe/protocol/util';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentView } from '@liveprobe/protocol';
import { PREPARE_FAILURES_LISTED, type PrepareSummary } from '@liveprobe/protocol';
import { PrepareTally } from '../../../agent/src/main/prepare-tally.js';
import type { PreparedOutcomeReport } from '../../../agent/src/prepare/prepared-messages.js';
import { fromRoot } from '@liveprobe/harness';
import { cli, waitFor } from '../../helpers/index.js';
import { app, controlPlane } from '../fixtures.js';

const WAIT = 15_000;
const UNTOUCHED = fromRoot('test/fixtures/prepared/untouched.cjs');
const EVAL_REASON = 'direct `eval` or `with` at the top level: left to breakpoints';

test('the tally counts every file, lists the first untouched ones with a short reason, and reports a burst of loads once', async () => {
  const summaries: PrepareSummary[] = [];
  const tally = new PrepareTally(true);
  const first = tally.onChange((summary) => summaries.push(summary));
  assert.deepEqual(first, { transformed: 0, cached: 0, failed: 0, failures: [] }, 'zeros from the start');
  assert.equal(
    new PrepareTally(false).onChange(() => {}),
    undefined,
    'nothing to say while no file is prepared',
  );
  summaries.push(first!);

  const outcome = (path: string, kind: PreparedOutcomeReport['kind'], reason?: string): PreparedOutcomeReport => ({
    t: 'outcome',
    path,
    kind,
    ms: 1,
    bytes: 10,
    ...defined({ reason }),
  });
  for (let i = 0; i < 3; i++) tally.add(outcome(`/app/p${i}.js`, 'prepared'));
  tally.add(outcome('/app/c.js', 'cached'));
  for (let i = 0; i < 25; i++)
    tally.add(outcome(`/app/f${i}.js`, 'failed', i === 0 ? `cannot parse: ${'x'.repeat(1000)}` : 'cannot parse: Unexpected token (1:1)'));
  await waitFor(() => summaries.length === 2, WAIT, 'one update for the burst');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(summaries.length, 2);
  const last = summaries[1]!;
  assert.deepEqual([last.transformed, last.cached, last.failed, last.failures.length], [3, 1, 25, PREPARE_FAILURES_LISTED]);
  assert.deepEqual(last.failures[1], { path: '/app/f1.js', reason: 'cannot parse: Unexpected token (1:1)' });
  assert.ok(last.failures[0]!.reason.length <= 300 && last.failures[0]!.reason.endsWith('…'), 'a long reason is cut');
});

test('a file that cannot be prepared loads untouched, and the agent’s status names it and why, in the API and `liveprobe agents`', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, {
    script: 'test/fixtures/prepared/server.mjs',
    broker: cp.mqttUrl,
    agentId: 'prepare-status',
    env: {
      WORK_MODULE: 'esm',
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/*.?js,!**/server.mjs`,
      LIVEPROBE_PREPARE_CACHE: 'off',
    },
  });
  const prepareOnceIt = (ready: (summary: PrepareSummary) => boolean, what: string): Promise<PrepareSummary> =>
    waitFor(
      async () => {
        const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: AgentView[] };
        const summary = agents.find((a) => a.agentId === 'prepare-status')?.prepare;
        return summary !== undefined && ready(summary) && summary;
      },
      WAIT,
      what,
    );

  // work.mjs and cycle.mjs load at start-up; untouched.cjs on the first /untouched request.
  const before = await prepareOnceIt((s) => s.transformed >= 2, 'the start-up files in the status');
  assert.deepEqual([before.failed, before.failures], [0, []]);
  assert.equal(await (await fetch(`${shop.url}/untouched?n=2`)).json(), 42, 'the untouched file runs as written');

  const after = await prepareOnceIt((s) => s.failed === 1, 'the lazily loaded file in the status');
  assert.deepEqual(after.failures, [{ path: UNTOUCHED, reason: EVAL_REASON }]);
  assert.equal(after.transformed, before.transformed);
  await waitFor(
    () => shop.output().includes(`1 left untouched (breakpoints only): ${UNTOUCHED} (${EVAL_REASON})`),
    WAIT,
    'the start-up report',
  );

  const json = await cli(['agents', '--json'], { server: cp.url });
  assert.equal(json.code, 0, json.stderr);
  const listed = (JSON.parse(json.stdout) as { agents: AgentView[] }).agents.find((a) => a.agentId === 'prepare-status');
  assert.deepEqual(listed?.prepare, after);

  const human = await cli(['agents'], { server: cp.url });
  assert.equal(human.code, 0, human.stderr);
  const lines = human.stdout.split('\n');
  assert.match(lines[0]!, /LAST SEEN\s+PREPARED$/);
  assert.match(
    lines.find((l) => l.startsWith('prepare-status ')) ?? '',
    new RegExp(`\\s${after.transformed + after.cached}, 1 untouched$`),
  );
  assert.ok(lines.includes('prepare-status: 1 file left untouched (their lines take actions as breakpoints):'), human.stdout);
  assert.ok(lines.includes(`  ${UNTOUCHED}: ${EVAL_REASON}`), human.stdout);
});

test('a pattern written relative to a package, without node_modules/, is named in the agent’s status and `liveprobe agents` with the pattern to write', async (t) => {
  const cp = await controlPlane(t);
  const express = await app(t, {
    script: 'test/fixtures/prepared/express-app.cjs',
    broker: cp.mqttUrl,
    agentId: 'prepare-missed',
    env: { LIVEPROBE_PREPARE: 'express/lib/router/*.js', LIVEPROBE_PREPARE_CACHE: 'off' },
  });
  const missed = `prepare pattern "express/lib/router/*.js" does not prepare ${fromRoot('node_modules/express/lib/router/index.js')}: files under node_modules are prepared only by a pattern that names node_modules/ (to prepare them, add "node_modules/express/lib/router/*.js"; until then their lines take actions as breakpoints)`;
  const summary = await waitFor(
    async () => {
      const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: AgentView[] };
      return agents.find((a) => a.agentId === 'prepare-missed')?.prepare?.warnings;
    },
    WAIT,
    'the warning in the status',
  );
  assert.deepEqual(summary, [missed], 'once, though three of its files loaded');
  assert.equal(express.output().split(`[liveprobe] warning: ${missed}`).length, 2, 'once on stderr');
  const human = await cli(['agents'], { server: cp.url });
  assert.equal(human.code, 0, human.stderr);
  assert.ok(human.stdout.split('\n').includes(`prepare-missed: warning: ${missed}`), human.stdout);
});
