/** How a breakpoint's statement can throw in its own frame (main/throw-reruns.ts, main/raise-reruns.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';
import { throwKindAt } from '../../../agent/src/locate/throw-statement.js';

test('a throw statement is one, unless its operand awaits or yields; a statement that can throw otherwise raises', () => {
  const source = [
    'function check(x) {',
    '  if (!x) throw new TypeError(`bad ${x}`);',
    '  throw new Error(describe(() => x));',
    '  let total = x + 1;',
    '  const body = JSON.parse(x);',
    '  const name = x.customer.name;',
    '  const { id } = x;',
    '  const later = () => x.y.z;',
    '}',
    'async function later(p) {',
    '  const settled = await p;',
    '  throw await p;',
    '  throw new Error(String(async () => await p));',
    '}',
    'function* steps() { throw yield 1; }',
    'try { run(); } catch (err) { throw err; }',
    '',
  ].join('\n');
  const analysed = analyseSource(source)!;
  const at = (text: string) => throwKindAt(analysed, source.indexOf(text));
  assert.equal(at('if (!x)'), 'raise', 'the if statement around the throw: its breakpoint is not on the throw');
  assert.equal(at('throw new TypeError'), 'throw');
  assert.equal(at('throw new Error(describe'), 'throw', 'a call in the operand runs before the throw');
  assert.equal(at('throw await'), 'raise', 'another run of the line can begin while it awaits');
  assert.equal(at('const settled'), 'none', 'an awaited rejection is thrown without the conditions run again');
  assert.equal(at('throw new Error(String(async'), 'throw', "a nested function's await is its own");
  assert.equal(at('throw yield'), 'raise');
  assert.equal(at('throw err'), 'throw', 'a rethrow in a catch');
  assert.equal(at('run()'), 'raise');
  assert.equal(at('let total'), 'none', 'no call, no property read');
  assert.equal(at('const body'), 'raise', 'a builtin that throws');
  assert.equal(at('const name'), 'raise', 'a read of null');
  assert.equal(at('const { id }'), 'raise', 'destructuring null');
  assert.equal(at('const later'), 'none', "a nested function's reads are its own");
});
