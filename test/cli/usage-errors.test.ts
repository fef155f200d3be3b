/**
 * Mistyped commands and options are errors a script notices (non-zero exit) with the closest
 * command when there is one; every command group has a description in `liveprobe --help`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli } from '../helpers/index.js';

// No control plane is needed: these fail, or print help, before any request.
const server = 'http://127.0.0.1:9';

test('an unknown command exits non-zero and names it; a near miss gets the closest command', async () => {
  const unknown = await cli(['nosuch'], { server });
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown command 'nosuch'/);
  assert.match(unknown.stderr, /Commands:\n[^]*\blog\b/, 'the commands there are');
  const nearMiss = await cli(['snapshts', 'list'], { server });
  assert.notEqual(nearMiss.code, 0);
  assert.match(nearMiss.stderr, /unknown command 'snapshts'\n\(Did you mean snapshots\?\)/);
});

test('an unknown option exits non-zero and names it, with the closest option', async () => {
  const result = await cli(['actions', 'list', '--jsn'], { server });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /unknown option '--jsn'\n\(Did you mean --json\?\)/);
});

test("a command's usage error is one line and a pointer to its help, not the whole help after it", async () => {
  const result = await cli(['log', 'add', 'src/server.ts:42', 'x', '--tag', 'demo', '--level', 'warning'], { server });
  assert.notEqual(result.code, 0);
  assert.equal(
    result.stderr,
    "error: option '--level <level>' argument 'warning' is invalid. Allowed choices are trace, debug, info, warn, error, fatal.\n(see: liveprobe log add --help)\n",
  );
  const missing = await cli(['metric', 'add', 'src/server.ts:42', 'order.amount', '--tag', 'demo'], { server });
  assert.equal(missing.stderr, "error: required option '--name <metric>' not specified\n(see: liveprobe metric add --help)\n");
  const help = await cli(['metric', 'add', '--help'], { server });
  assert.match(
    help.stdout,
    /^ {2}--name <metric> +the metric name \(required\), e\.g\. shop\.order\.amount$/m,
    'the help says which option is required',
  );
});

test('a word naming no command of a group with a default command is an unknown command, not arguments of the default', async () => {
  for (const [group, word] of [
    ['actions', 'delete'],
    ['snapshots', 'shwo'],
  ] as const) {
    const result = await cli([group, word, 'act_1'], { server });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`^error: unknown command '${word}' for 'liveprobe ${group}'\n`));
    assert.match(result.stderr, /Commands:\n[^]*\blist\b[^]*\bshow\b/, 'the commands there are');
    assert.doesNotMatch(result.stderr, /too many arguments/);
  }
});

test('`liveprobe --help` describes every command group, the metric ones included', async () => {
  const help = await cli(['--help'], { server });
  assert.equal(help.code, 0);
  for (const group of ['log', 'counter', 'tictoc', 'duration', 'metric', 'snapshot']) {
    assert.match(help.stdout, new RegExp(`^  ${group} +${group} actions: \\S`, 'm'), `${group} has a description`);
  }
});

test('a location without a line, or with a line that is not one, says which and how to write it', async () => {
  const noLine = await cli(['log', 'add', 'src/server.ts', 'x', '--tag', 'demo'], { server });
  assert.notEqual(noLine.code, 0);
  assert.match(noLine.stderr, /"src\/server\.ts" is not file:line; add the line number after a colon, e.g\. src\/server\.ts:42/);
  const lineZero = await cli(['snapshot', 'add', 'src/server.ts:0', '--tag', 'demo'], { server });
  assert.notEqual(lineZero.code, 0);
  assert.match(lineZero.stderr, /"src\/server\.ts:0": line "0" is not a line number; lines count from 1, as your editor shows them/);
});

test('an add without --tag or --agent names those options before any request', async () => {
  for (const args of [
    ['log', 'add', 'src/server.ts:42', 'x'],
    ['counter', 'add', 'src/server.ts:42', '--name', 'shop.hits'],
  ]) {
    const result = await cli(args, { server });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /^error: no agents targeted: add --tag <tag> or --agent <id> \(repeatable\), e\.g\. --tag production$/m);
    assert.doesNotMatch(result.stderr, /cannot reach the control plane/);
  }
});
