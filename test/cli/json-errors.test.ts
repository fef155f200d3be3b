/**
 * With `--json` a failure is one JSON document on stdout (CliErrorOutput) a script can parse and
 * tell apart by `error.code`, the exit status non-zero and the human lines still on stderr;
 * without `--json` the output is what it was.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CliErrorOutput } from '@liveprobe/protocol';
import { cli, startControlPlane, type CliResult } from '../helpers/index.js';

/** The one document on stdout of a failed run. */
function failure(result: CliResult): CliErrorOutput['error'] {
  assert.equal(result.code, 1, `exit status; stderr: ${result.stderr}`);
  return CliErrorOutput.parse(JSON.parse(result.stdout)).error;
}

test('--json: a refused body, a missing action, no token, no control plane each print their error code, and the fields at fault', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const as = { server: cp.url, token: cp.token! };

  const refused = await cli(['snapshot', 'add', 'src/a.ts:3', '--tag', 'demo', '--watch', 'ok', '--watch', 'a..b', '--json'], as);
  const body = failure(refused);
  assert.equal(body.code, 'invalid_body');
  assert.equal(body.issues?.length, 1);
  assert.equal(body.issues?.[0]?.field, 'watches.1');
  assert.equal(body.issues?.[0]?.option, '--watch');
  assert.match(body.issues?.[0]?.message ?? '', /^syntax error at column 3 of `a\.\.b`/);
  assert.match(refused.stderr, /^error: --watch "a\.\.b": syntax error .* \(field watches\.1\)$/m, 'stderr keeps the human lines');

  const bad = failure(await cli(['log', 'add', 'src/a.ts:3', 'x', '--tag', 'demo', '--expires', '3y', '--json'], as)).issues;
  assert.deepEqual(
    bad?.map((issue) => [issue.field, issue.option]),
    [['expiresIn', '--expires']],
  );

  const missing = failure(await cli(['actions', 'show', 'act_nosuch', '--json'], as));
  assert.equal(missing.code, 'not_found');
  assert.match(missing.message, /act_nosuch/);

  assert.equal(failure(await cli(['agents', '--json'], { server: cp.url })).code, 'unauthenticated');
  assert.equal(failure(await cli(['tail', '--json'], { server: cp.url })).code, 'unauthenticated', 'tail, whose events are lines of JSON');

  const unreachable = failure(await cli(['actions', '--json'], { server: 'http://127.0.0.1:9' }));
  assert.equal(unreachable.code, 'unreachable');
  assert.match(unreachable.message, /^cannot reach the control plane at http:\/\/127\.0\.0\.1:9\/ \(/);
});

test('--json: usage errors, the argument parser’s and the commands’ own, are code `usage`; --help is no error', async () => {
  const server = { server: 'http://127.0.0.1:9' };
  const level = await cli(['log', 'add', 'src/a.ts:3', 'x', '--tag', 'demo', '--level', 'warning', '--json'], server);
  assert.deepEqual(failure(level), {
    code: 'usage',
    message: "option '--level <level>' argument 'warning' is invalid. Allowed choices are trace, debug, info, warn, error, fatal.",
  });
  assert.match(level.stderr, /^\(see: liveprobe log add --help\)$/m, 'stderr as without --json');

  const location = failure(await cli(['snapshot', 'add', 'src/a.ts', '--tag', 'demo', '--json'], server));
  assert.equal(location.code, 'usage');
  assert.match(location.message, /"src\/a\.ts" is not file:line/);

  assert.equal(failure(await cli(['actions', 'show', '--json'], server)).code, 'usage', 'a missing argument');
  assert.match(failure(await cli(['actions', 'list', '--jsn', '--json'], server)).message, /unknown option '--jsn'/);
  assert.match(failure(await cli(['up', '--json'], server)).message, /unknown option '--json'/, 'before any command ran');
  assert.match(
    failure(await cli(['actions', 'delete', 'act_1', '--json'], server)).message,
    /^unknown command 'delete' for 'liveprobe actions'$/,
  );
  assert.match(failure(await cli(['log', 'add', 'src/a.ts:3', 'x', '--json'], server)).message, /^no agents targeted: add --tag/);
  assert.match(failure(await cli(['prepare', 'no/such/dir', '--json'], server)).message, /^cannot prepare no\/such\/dir: not a folder/);

  const help = await cli(['log', 'add', '--help', '--json'], server);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: liveprobe log add/);
});

test('a server that is no control plane (a web page answering 200) is named as such, with and without --json', async (t) => {
  const page = await answering('text/html', '<html>\n  <body>hello</body>\n</html>');
  t.after(() => page.close());
  const json = failure(await cli(['agents', '--json'], { server: page.url }));
  assert.equal(json.code, 'not_control_plane');
  assert.match(json.message, /is not a liveprobe control plane: GET \/api\/v1\/agents answered text\/html, not JSON \("<html> <body>hello/);
  assert.match(json.message, /check --server/);
  const human = await cli(['actions'], { server: page.url });
  assert.deepEqual([human.code, human.stdout], [1, '']);
  assert.match(
    human.stderr,
    /^error: the server at http:\/\/127\.0\.0\.1:\d+\/ is not a liveprobe control plane: GET \/api\/v1\/actions answered/,
  );
  assert.doesNotMatch(human.stderr, /\n\s+at /, 'an expected failure, not a stack');
});

test('--json: an unexpected failure (a bug) is code `internal` with its message; the stack goes to stderr only', async (t) => {
  // JSON the CLI cannot read as an agent list: nothing checks its shape, so it fails as a bug would.
  const odd = await answering('application/json', 'null');
  t.after(() => odd.close());
  const result = await cli(['agents', '--json'], { server: odd.url });
  const internal = failure(result);
  assert.equal(internal.code, 'internal');
  assert.match(internal.message, /null/);
  assert.doesNotMatch(result.stdout, /\n\s+at /, 'no stack in the document');
  assert.match(result.stderr, /^\s+at /m, 'the stack on stderr');
});

/** A plain HTTP server answering every request 200 with `body`. */
async function answering(contentType: string, body: string): Promise<{ url: string; close(): void }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': contentType }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test('without --json a failure prints as before: the error lines on stderr, nothing on stdout', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const refused = await cli(['snapshot', 'add', 'src/a.ts:3', '--tag', 'demo', '--watch', 'a..b'], { server: cp.url });
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /^error: --watch "a\.\.b": syntax error at column 3 of `a\.\.b`: [^\n]*\n$/);

  const missing = await cli(['actions', 'show', 'act_nosuch'], { server: cp.url });
  assert.deepEqual([missing.code, missing.stdout], [1, '']);
  assert.match(missing.stderr, /^error: [^\n]*act_nosuch[^\n]*\n$/);

  const usage = await cli(['log', 'add', 'src/a.ts:3', 'x', '--tag', 'demo', '--level', 'warning'], { server: cp.url });
  assert.deepEqual(
    [usage.code, usage.stdout, usage.stderr],
    [
      1,
      '',
      "error: option '--level <level>' argument 'warning' is invalid. Allowed choices are trace, debug, info, warn, error, fatal.\n(see: liveprobe log add --help)\n",
    ],
  );
});
