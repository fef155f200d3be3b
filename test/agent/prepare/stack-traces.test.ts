/** Stack traces through prepared code: original lines, no twin names, no guard frames. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installStackTraces } from '../../../agent/src/prepare/stack-traces.js';
import { loadPrepared } from './prepared-module.js';

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
  assert.equal(frames.length, 3, 'the guards\' own frames are hidden');
  assert.doesNotMatch(mapped, /\$lp/);

  const off = loadPrepared(SOURCE, FILE, 'off', running.prepared).exports as { boom(n: number): void };
  assert.match(stackOf(() => off.boom(1)), /at Object\.boom \(\/virtual\/stack\.cjs:3:9\)/, 'flags off: the original function');
});
