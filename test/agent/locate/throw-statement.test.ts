/** Which breakpoints sit on a `throw` statement that throws before it can run again (main/throw-reruns.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';
import { throwStatementAt } from '../../../agent/src/locate/throw-statement.js';

test('a throw statement is one, unless its operand awaits or yields; a statement around a throw is not', () => {
  const source = [
    'function check(x) {',
    '  if (!x) throw new TypeError(`bad ${x}`);',
    '  throw new Error(describe(() => x));',
    '}',
    'async function later(p) {',
    '  throw await p;',
    '  throw new Error(String(async () => await p));',
    '}',
    'function* steps() { throw yield 1; }',
    'try { run(); } catch (err) { throw err; }',
    '',
  ].join('\n');
  const analysed = analyseSource(source)!;
  const at = (text: string): boolean => throwStatementAt(analysed, source.indexOf(text));
  assert.equal(at('if (!x)'), false, 'the if statement around the throw: its breakpoint is not on the throw');
  assert.equal(at('throw new TypeError'), true);
  assert.equal(at('throw new Error(describe'), true, 'a call in the operand runs before the throw');
  assert.equal(at('throw await'), false, 'another run of the line can begin while it awaits');
  assert.equal(at('throw new Error(String(async'), true, "a nested function's await is its own");
  assert.equal(at('throw yield'), false);
  assert.equal(at('throw err'), true, 'a rethrow in a catch');
  assert.equal(at('run()'), false);
});
