/**
 * The calibration's copy of a measured function: it compiles with the function's parameter
 * names and statements, none of which run when the main thread calls it, and its tic and toc
 * lines are the `void 0` and the `return 0` it is laid out with.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compiledCopy } from '../../../agent/src/main/break-calibration.js';
import { functionsNamed } from '../../../agent/src/locate/function-range.js';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';
import { functionCopy } from '../../../agent/src/worker/function-copy.js';

const SOURCE = `
export async function checkout({ cart, user = loadUser() }, [first, ...rest], ...more) {
  globalThis.copyRan = true;
  const total = await price(cart);\r\n  if (total > 100) throw new Error('too much');
  return total;
}
export const short = (a, b) => (globalThis.copyRan = a + b);
export function* generate() {
  yield 1;
}
`;

function copyOf(name: string) {
  const analysed = analyseSource(SOURCE)!;
  return functionCopy(analysed, functionsNamed(analysed, name)[0]!);
}

for (const name of ['checkout', 'short']) {
  test(`a copy of \`${name}\` compiles and runs none of its statements`, async () => {
    const placed = copyOf(name)!;
    const run = compiledCopy(placed.copy);
    assert.ok(run !== undefined, 'it compiles');
    await run();
    assert.equal((globalThis as { copyRan?: unknown }).copyRan, undefined);
    const lines = `function anonymous(${placed.copy.params.join(',')}\n) {\n${placed.copy.body}\n}`.split(/\r\n|[\n\r\u2028\u2029]/);
    assert.match(lines[placed.tic.line - 1]!, /^void 0; if \(\$lp\$run !== 1\) \{$/);
    assert.equal(lines[placed.toc.line - 1], 'return 0;');
  });
}

test('the copy keeps every parameter name and drops defaults and destructuring', () => {
  assert.deepEqual(copyOf('checkout')!.copy.params, ['cart', 'user', 'first', 'rest', 'more', '$lp$run']);
});

test('a generator, whose body does not run when called, gets no copy', () => {
  assert.equal(copyOf('generate'), undefined);
});
