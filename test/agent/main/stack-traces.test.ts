/** Stack traces through prepared code: V8's own text at the original positions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installStackTraces } from '../../../agent/src/main/stack-traces.js';
import { writtenCallSites } from '../../../agent/src/main/written-call-sites.js';
import { packTable } from '../../../agent/src/prepare/packed-table.js';
import { loadOriginal, loadPrepared, prepareCommonJs } from '../prepare/prepared-module.js';

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

test('in every flag mode, frames read exactly as V8 prints the original: lines, names, receivers, no frame added or hidden', () => {
  const original = loadOriginal(SOURCE, FILE) as { outer(items: unknown[]): void };
  const expected = stackOf(() => original.outer([1, 2]));
  assert.match(expected, /at Object\.outer \(\/virtual\/stack\.cjs:7:10\)/);
  const modes = (['off', 'functions', 'sites'] as const).map((mode) => loadPrepared(SOURCE, FILE, mode));
  // Before mapping, a twin's frame is on the line where its function's body starts.
  assert.match(
    stackOf(() => (modes[1]!.exports as typeof original).outer([1, 2])),
    /at boom \(\/virtual\/stack\.cjs:1:/,
  );
  let current = modes[0]!;
  installStackTraces({ tableOf: (path) => (path === FILE ? packTable(current.prepared.map) : undefined) });
  for (const loaded of modes) {
    current = loaded;
    const mapped = stackOf(() => (loaded.exports as typeof original).outer([1, 2]));
    // The test's own frames differ by column (another call site); the prepared file's must not.
    const own = (stack: string): string[] => stack.split('\n').filter((l) => !l.includes('stack-traces.test'));
    assert.deepEqual(own(mapped), own(expected));
    assert.equal(mapped.split('\n').length, expected.split('\n').length);
  }
});

test('a formatter the app sets after the agent still gets mapped frames, and saving then restoring it leaves one mapping', () => {
  const running = loadPrepared(SOURCE, FILE, 'functions');
  const exports = running.exports as { boom(n: number): void; outer(items: unknown[]): void };
  const table = packTable(running.prepared.map);
  installStackTraces({ tableOf: (path) => (path === FILE ? table : undefined) });

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

/** The first frames' positions, as the agent's own captures take them. */
function writtenSites(fn: () => unknown): string[] {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = writtenCallSites;
  try {
    fn();
  } catch (err) {
    return ((err as { stack: unknown }).stack as NodeJS.CallSite[]).slice(0, 3).map((f) => `${f.getLineNumber()}:${f.getColumnNumber()}`);
  } finally {
    Error.prepareStackTrace = saved;
  }
  throw new Error('did not throw');
}

test("a file prepared at build time keeps its frames where its text on disk has them, as without the agent, a twin's moved to the same place in the original body; the agent's own captures take the code as written", () => {
  const file = '/virtual/on-disk.cjs';
  // As written, and on one line, as in a minified bundle, where a twin shares the line with its original body.
  for (const source of [SOURCE, SOURCE.replaceAll('\n', ' ')]) {
    const prepared = prepareCommonJs(source);
    const modes = (['off', 'functions', 'sites'] as const).map((mode) => loadPrepared(source, file, mode, prepared));
    type Exports = { outer(items: unknown[]): void };
    const own = (stack: string): string[] => stack.split('\n').filter((l) => !l.includes('stack-traces.test'));
    // Without the mapping, the flags off: the prepared text as it runs without the agent.
    const alone = own(stackOf(() => (modes[0]!.exports as Exports).outer([1, 2])));
    assert.notDeepEqual(own(stackOf(() => (modes[1]!.exports as Exports).outer([1, 2]))), alone, 'a twin runs elsewhere in the text');
    const original = writtenSites(() => (loadOriginal(source, '/virtual/original.cjs') as Exports).outer([1, 2]));
    const table = packTable(prepared.map);
    installStackTraces({ tableOf: (path) => (path === file ? table : undefined), preparedOnDisk: (path) => path === file });
    for (const loaded of modes) {
      assert.deepEqual(own(stackOf(() => (loaded.exports as Exports).outer([1, 2]))), alone);
      assert.deepEqual(
        writtenSites(() => (loaded.exports as Exports).outer([1, 2])),
        original,
      );
    }
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  }
});
