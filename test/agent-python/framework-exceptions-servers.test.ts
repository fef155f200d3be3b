// Exception actions on the Python agent for an error that escapes a WSGI app with no framework to
// answer it, which the WSGI server answers 500 and logs itself (wsgiref, waitress, gunicorn's sync
// worker), through a real control plane, broker and CLI: one snapshot of the frame that raised it;
// the answers and the server's log of the error are those without the agent, and once the action
// goes the server is as it was. Frameworks' errors: framework-exceptions-wsgi.test.ts and the others.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answeredBy, CARD, post } from './framework-app.js';

const servers: [string, [unknown, unknown]][] = [
  ['wsgiref', [{ handleErrorIsWsgirefs: true }, { handleErrorIsWsgirefs: false }]],
  ['waitress', [{ logFilters: 0 }, { logFilters: 1 }]],
  ['gunicorn', [{ logFilters: 0 }, { logFilters: 1 }]],
];

for (const [server, hooks] of servers) {
  test(`an error escaping a bare WSGI app under ${server} is captured once at its raise site; ${server}'s 500 and its log of the error are unchanged, and ${server} as before once the action goes`, async (t) => {
    const { app } = await answeredBy(t, 'wsgi', {
      script: 'wsgi_servers.py',
      env: { SERVER: server },
      ask: async (url) => [await post(`${url}/pay`, { amount: 500, card: CARD }), await post(`${url}/pay`, { amount: 20, card: CARD })],
      statuses: [500, 200],
      hooks,
      types: ['PaymentDeclined'],
    });
    assert.match(app.output(), /PaymentDeclined: amount 500 is over the limit/, "the server's log of the error, as without the agent");
  });
}
