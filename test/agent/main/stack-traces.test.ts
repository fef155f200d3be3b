/** Stack traces through prepared code: original lines, no twin names, no guard frames. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installStackTraces } from '../../../agent/src/main/stack-traces.js';
import { loadPrepared } from '../prepare/prepared-module.js';

const FILE = '/virtual/stack.cjs';
const SOURCE = [
  'function boom(n) {',
  '  const message = `boom ${n}`;',
  '  throw new Error(message);',
  '}',
  'function outer(items) {',
  '  const inner = () => { return boom(items.length); };',
  '  return inner();',
  '}',
  'module.exports = { boom, outer };',
].join('\n');

function stackOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).stack ?? '';
  }
  throw new Error('did not throw');
}

test('with a twin running, frames read as V8 would print the original: same lines, names and receivers; guard frames hidden', () => {
  const running = loadPrepared(SOURCE, FILE, 'functions');
  const exports = running.exports as { boom(n: number): void; outer(items: unknown[]): void };
  // Before mapping, the twin's frame is on the line where `boom` ends, under its twin name.
  const raw = stackOf(() => exports.boom(1));
  assert.match(raw, /boom\$lp0 \(\/virtual\/stack\.cjs:4:/, raw);

  installStackTraces({ mapOf: (path) => (path === FILE ? running.prepared.map : undefined) });
  const mapped = stackOf(() => exports.outer([1, 2]));
  const frames = mapped.split('\n').filter((l) => l.includes(FILE));
  assert.match(frames[0]!, /^\s+at boom \(\/virtual\/stack\.cjs:3:9\)$/, mapped);
  assert.match(frames[1]!, /^\s+at inner \(\/virtual\/stack\.cjs:6:32\)$/, mapped);
  assert.match(frames[2]!, /^\s+at Object\.outer \(\/virtual\/stack\.cjs:7:10\)$/, mapped);
  assert.equal(frames.length, 3, "the guards' own frames are hidden");
  assert.doesNotMatch(mapped, /\$lp/);

  const off = loadPrepared(SOURCE, FILE, 'off', running.prepared).exports as { boom(n: number): void };
  assert.match(
    stackOf(() => off.boom(1)),
    /at Object\.boom \(\/virtual\/stack\.cjs:3:9\)/,
    'flags off: the original function',
  );
});

test('a formatter the app sets after the agent still gets mapped frames, and saving then restoring it leaves one mapping', () => {
  const running = loadPrepared(SOURCE, FILE, 'functions');
  const exports = running.exports as { boom(n: number): void; outer(items: unknown[]): void };
  installStackTraces({ mapOf: (path) => (path === FILE ? running.prepared.map : undefined) });

  // Installed late, as source-map-support would be: it formats, the agent's mapping still applies.
  Error.prepareStackTrace = (error, frames) =>
    `${String(error)}|${frames.map((f) => `${f.getFunctionName()}:${f.getLineNumber()}`).join(',')}`;
  const late = stackOf(() => exports.outer([1, 2]));
  assert.match(late, /^Error: boom 2\|boom:3,inner:6,outer:7,/, late);
  assert.doesNotMatch(late, /\$lp/);

  // depd and callsites read the formatter, set their own to get CallSites, then put it back.
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (_error, frames) => frames;
  let sites: NodeJS.CallSite[] = [];
  try {
    exports.boom(3);
  } catch (err) {
    sites = (err as { stack: unknown }).stack as NodeJS.CallSite[];
  }
  Error.prepareStackTrace = saved;
  assert.deepEqual([sites[0]!.getFunctionName(), sites[0]!.getLineNumber()], ['boom', 3]);
  assert.match(
    stackOf(() => exports.boom(4)),
    /^Error: boom 4\|boom:3,/,
    'the late formatter is back, mapped once',
  );

  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  assert.match(
    stackOf(() => exports.boom(5)),
    /^Error: boom 5\n\s+at Object\.boom \(\/virtual\/stack\.cjs:3:9\)/,
    "unset: V8's layout, still mapped",
  );
});
