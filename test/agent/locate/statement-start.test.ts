/** The statement around a position: where an action goes to run before a line a minifier folded into an expression. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';
import { functionAround, statementStartAt } from '../../../agent/src/locate/statement-start.js';

test('the innermost statement holding a position in its own function', () => {
  const source =
    'class A{reserve(e,t){const s=this.p.get(e);return!(void 0===s||s.stock<t)&&(s.stock-=t,this.r+=1,!0)}}\nconst f=()=>{for(;;)x(()=>y=1)};\n';
  const analysed = analyseSource(source)!;
  const at = (text: string): number | undefined => statementStartAt(analysed, source.indexOf(text));
  assert.equal(at('s.stock-=t'), source.indexOf('return!'), 'the folded line: the return statement');
  assert.equal(at('this.p.get'), source.indexOf('const s='));
  assert.equal(
    at('y=1'),
    undefined,
    'an arrow with an expression body: no statement of its own, and the call around it runs at other times',
  );
  assert.equal(at('x(()'), source.indexOf('x(()'));
  assert.equal(at('reserve'), undefined, 'in a class declaration, outside any statement');
});

test('the innermost function around a position: none in the top-level code', () => {
  const source = 'const a=1;const p=c(($r)=>{const b=2;return t`<p>${b}</p>`},"/p");\n';
  const analysed = analyseSource(source)!;
  const around = (text: string) => functionAround(analysed, source.indexOf(text));
  assert.equal(around('a=1'), undefined);
  assert.equal(around('"/p"'), undefined, "the call's other arguments are top-level code");
  assert.equal(around('return'), around('b=2'), 'two statements of one arrow');
  assert.equal(around('return')?.start, source.indexOf('($r)'));
});
