import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { lineOf } from '../helpers/index.js';
import { startApp } from '../helpers/app.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { assertReservedAndSettled, shownOnceLastIsIn } from './handled-snapshots.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

// Errors graphql-js catches: a resolver's throw or rejection becomes an entry of the response's
// `errors` and never reaches uncaughtException. graphql 16 runs its CommonJS build, 17 its ES modules;
// graphql-jit compiles the query over graphql 16 and catches resolvers' errors in its compiled code.
const WAIT = 15_000;
const APP = 'test/fixtures/handled-errors/graphql.mjs';

/** A query against the app: its whole JSON response. */
async function ask(url: string, query: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify({ query }) });
  assert.equal(response.status, 200);
  return response.json();
}

const QUERIES = [
  '{ reserve(sku: "sku-1", wanted: 5) quantity(text: "many") }',
  '{ settle(customer: "lin") quantity(text: "7") }',
  '{ order(id: "o-9") { id total } }',
];

async function answers(t: TestContext, graphql: string, agent: { broker: string } | undefined): Promise<unknown[]> {
  const env = { GRAPHQL: graphql };
  const shop = await startApp({
    script: APP,
    module: 'esm',
    tags: ['e2e'],
    env,
    ...(agent ?? { broker: 'mqtt://127.0.0.1:9', agent: false }),
  });
  t.after(() => shop.stop());
  const all: unknown[] = [];
  for (const query of QUERIES) all.push(await ask(shop.url, query));
  return all;
}

for (const graphql of ['graphql', 'graphql17', 'graphql-jit'] as const) {
  test(`${graphql}: resolvers' throws and rejections in the response's errors give one snapshot each at their throw sites; the responses are unchanged; an error the resolver swallows gives none`, async (t) => {
    const without = await answers(t, graphql, undefined);
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const shop = await app(t, { script: APP, module: 'esm', broker: cp.mqttUrl, env: { GRAPHQL: graphql } });
    const { action } = await addAction(cp, {
      type: 'exception',
      tags: ['e2e'],
      // Matches the swallowed RangeError too, and the GraphQLError that wraps a non-null field's error.
      messagePattern: 'left|overdrawn|locked|quantity',
    });
    assert.match(await installed(cp, action.id), /^installed/);

    const withAgent: unknown[] = [];
    for (const query of QUERIES) withAgent.push(await ask(shop.url, query));
    assert.deepEqual(withAgent, without, "the responses, their errors' messages, locations and paths, are the same as without the agent");
    assert.deepEqual((withAgent[0] as { data: unknown }).data, { reserve: null, quantity: 1 });
    assert.deepEqual(withAgent[2], {
      errors: [{ message: 'order o-9 is locked', locations: [{ line: 1, column: 25 }], path: ['order', 'total'] }],
      data: { order: null },
    });

    await assertReservedAndSettled(snapshots, action.id, APP, 'graphql');

    // A non-null field: graphql-js throws its GraphQLError of the same message on up to the
    // nullable parent, whose locatedError sees it again; only the resolver's error is captured, once.
    const { snapshot: order } = await snapshots.waitFor(
      (e) => e.snapshot.location.line === lineOf(APP, 'graphql-throw-order'),
      WAIT,
      'order',
    );
    assert.equal(order.exception?.type, 'LedgerError');
    assert.deepEqual(find(order.locals, 'lookedUp').t, 'object');

    // A last query: once its snapshot is in, the others (in any order) are too.
    await ask(shop.url, '{ reserve(sku: "sku-2", wanted: 9) }');
    assert.deepEqual(
      await shownOnceLastIsIn(snapshots, (e) => `${e.snapshot.exception?.type}: ${e.snapshot.exception?.message}`),
      [
        'OutOfStockError: only 0 of sku-1 left, 5 wanted',
        'LedgerError: ledger lin is overdrawn',
        'LedgerError: order o-9 is locked',
        'OutOfStockError: only 4 of sku-2 left, 9 wanted',
      ].sort(),
      'one snapshot per resolver error: none for the RangeError the resolver swallowed, none for the GraphQLError wrapping one',
    );
  });
}
