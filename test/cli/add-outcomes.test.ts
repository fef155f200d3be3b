/**
 * Every add command waits (bounded) for the targeted agents' first statuses and prints each
 * agent's outcome; it fails when every agent that answered refused the action (with --json, one
 * document: the body and the error).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliErrorOutput, type ActionView } from '@liveprobe/protocol';
import { cli, lineOf } from '../helpers/index.js';
import { shopOnline } from './shop-online.js';

const SERVER_TS = 'examples/shop/src/server.ts';

test('add commands print each agent’s outcome: installed (where, how), waiting for its file, refused (non-zero exit)', async (t) => {
  const { server } = await shopOnline(t, 'shop-out');

  const line = lineOf(SERVER_TS, 'checkout-return');
  const installed = await cli(['log', 'add', `${SERVER_TS}:${line}`, 'order {order.id}', '--tag', 'e2e'], server);
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(installed.stdout, new RegExp(`^  shop-out: installed at \\S*examples/shop/src/server\\.ts:${line} \\(breakpoint\\)$`, 'm'));

  const json = await cli(['log', 'add', `${SERVER_TS}:${line}`, 'order {order.id}', '--tag', 'e2e', '--json'], server);
  assert.equal(json.code, 0, json.stderr);
  const body = JSON.parse(json.stdout) as { action: ActionView; outcomes: { agentId: string; outcome: string; status?: unknown }[] };
  assert.deepEqual(
    body.outcomes.map((o) => [o.agentId, o.outcome]),
    [['shop-out', 'installed']],
  );
  assert.deepEqual(
    body.action.statuses,
    [body.outcomes[0]?.status],
    '--json: the statuses the outcomes were read from, not those at creation',
  );
  assert.equal(body.action.summary, 'installed on 1/1 agent');

  const counter = await cli(['counter', 'add', `${SERVER_TS}:${line}`, '--name', 'shop.returns', '--tag', 'e2e'], server);
  assert.equal(counter.code, 0, counter.stderr);
  assert.match(counter.stdout, /^ {2}shop-out: installed at /m, 'the metric commands wait too');

  const waiting = await cli(['log', 'add', 'src/later.ts:3', 'x', '--tag', 'e2e'], server);
  assert.equal(waiting.code, 0, waiting.stderr);
  assert.match(waiting.stdout, /^ {2}shop-out: waiting for its file: no loaded script matches `src\/later\.ts`/m);

  const refused = await cli(['log', 'add', `${SERVER_TS}:9999`, 'x', '--tag', 'e2e'], server);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /^ {2}shop-out: refused: /m);
  assert.match(refused.stderr, /error: every agent that answered refused act_\w+ \(above\)/);

  // With --json: one document, the body with `error` in it, so a script finds the action to remove.
  const refusedJson = await cli(['log', 'add', `${SERVER_TS}:9999`, 'x', '--tag', 'e2e', '--json'], server);
  assert.equal(refusedJson.code, 1);
  const document = JSON.parse(refusedJson.stdout) as CliErrorOutput & { action: ActionView; outcomes: { outcome: string }[] };
  assert.equal(CliErrorOutput.parse(document).error.code, 'refused');
  assert.match(document.error.message, new RegExp(`^every agent that answered refused ${document.action.id} \\(in \`outcomes\`\\)`));
  assert.deepEqual(
    document.outcomes.map((o) => o.outcome),
    ['refused'],
  );

  const noWait = await cli(['log', 'add', `${SERVER_TS}:${line}`, 'order {order.id}', '--tag', 'e2e', '--no-wait'], server);
  assert.equal(noWait.code, 0, noWait.stderr);
  assert.doesNotMatch(noWait.stdout, /shop-out/);

  // exception add waits and prints the same way, and takes --no-wait as the README says every add command does.
  const exception = await cli(['exception', 'add', '--tag', 'e2e'], server);
  assert.equal(exception.code, 0, exception.stderr);
  assert.match(exception.stdout, /^ {2}shop-out: installed /m);
  const exceptionNoWait = await cli(['exception', 'add', '--tag', 'e2e', '--no-wait'], server);
  assert.equal(exceptionNoWait.code, 0, exceptionNoWait.stderr);
  assert.match(exceptionNoWait.stdout, /^created act_\w+ \(exception at reported errors\)/);
  assert.doesNotMatch(exceptionNoWait.stdout, /shop-out/);
});
