/**
 * Which functions get a twin (agent/src/prepare/twin-rules.ts): a body whose text holds nothing
 * the scan looks for skips the walk of its nodes (plainBody), and must get the answer the walk gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'acorn';
import type { AstNode } from '../../../agent/src/prepare/ast.js';
import { prepareSource } from '../../../agent/src/prepare/transform.js';
import { plainBody, twinBlocker } from '../../../agent/src/prepare/twin-rules.js';

/** Each case: a function declaration, whether its text is plain, and the walk's answer. */
const CASES: { source: string; plain: boolean; blocker?: string; throws?: boolean }[] = [
  { source: 'function f(a) { const b = a * 2; return b + 1; }', plain: true },
  { source: "function f(a) { if (!a) throw new Error('no a'); return a; }", plain: false, throws: true },
  { source: 'function f(a) { return \\u0065val(a); }', plain: false, blocker: 'direct `eval`' },
  { source: 'function f(a) { return eval(a); }', plain: false, blocker: 'direct `eval`' },
  { source: 'function f(o) { with (o) { return x; } }', plain: false, blocker: '`with`' },
  { source: "function f() { return 'one \\\ntwo'; }", plain: false, blocker: 'multi-line string' },
  { source: "function f() { return 'one \u2028two'; }", plain: false, blocker: 'multi-line string' },
  { source: 'function f(a) { return `${a}\n`; }', plain: false, blocker: 'multi-line template' },
  { source: 'function f(a) { return `${a}`; }', plain: false },
  // Words the pattern finds in a comment or a string cost the walk, and change nothing.
  { source: "function f(a) { /* throw, with, eval */ return 'throw' + a; }", plain: false },
  { source: "function f(a) { return a.replace(/\\s/g, ''); }", plain: false },
];

function declaration(source: string): AstNode {
  const program = parse(source, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as AstNode;
  return program.body[0] as AstNode;
}

test('a plain body is told from one the scan must walk by its text alone', () => {
  for (const { source, plain } of CASES) {
    const fn = declaration(source);
    assert.equal(plainBody(source, fn.body.start, fn.body.end), plain, source);
  }
});

test('the walk and the shortcut for a plain body give every function the same answer', () => {
  for (const { source, plain, blocker, throws = false } of CASES) {
    const fn = declaration(source);
    const walked = twinBlocker(fn, undefined, undefined, true, false);
    assert.deepEqual(walked.blocker, blocker, source);
    if (blocker === undefined) assert.equal(walked.throws, throws, source);
    if (plain) assert.deepEqual(twinBlocker(fn, undefined, undefined, true, true), walked, source);
  }
});

test('in the transform, a leaf function with a raw U+2028 in a string stays without a twin, and one with nothing to find gets one', () => {
  const source = [
    'function plain(a) { return a + 1; }',
    "function joined() { return 'one \u2028two'; }",
    'module.exports = { plain, joined };',
    '',
  ].join('\n');
  const out = prepareSource(source, { kind: 'commonjs', header: 'const $lp = 0;' });
  assert.deepEqual(
    out.functionsReport.map((f) => [f.line, f.mode, f.reason]),
    [
      [1, 'twin', undefined],
      [2, 'inline', 'multi-line string'],
    ],
  );
});
