/**
 * The function an action's line is in, by the name users gave it: in minified output the
 * script's names are the minifier's (`p`, `a`), and the source map records the user's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transform } from 'esbuild';
import { functionNameAt } from '../../../agent/src/locate/function-name.js';
import { analyseSource, type AnalysedSource } from '../../../agent/src/locate/source-analysis.js';
import { loadSourceMap, type ScriptSourceMap } from '../../../agent/src/locate/source-maps.js';

const SOURCE = `
export function run(orders) {
  function chargeCard(order) {
    return order.total * 2; // in-declaration
  }
  const refundOrder = (order) => {
    return order.total - 1; // in-arrow
  };
  let settle;
  settle = function (order) {
    return order.total; // in-assigned
  };
  const gateway = {
    authorise(order) {
      return order.total > 0; // in-method
    },
  };
  return orders.map((o) => chargeCard(o) + refundOrder(o) + settle(o) + Number(gateway.authorise(o)) /* in-anonymous */);
}
`;

/** The source minified (identifiers renamed, one line) with its map, as a bundler ships it. */
async function minified(): Promise<{ analysed: AnalysedSource; map: ScriptSourceMap; code: string }> {
  const out = await transform(SOURCE, { minify: true, format: 'esm', sourcemap: 'inline', sourcefile: 'orders.js', legalComments: 'none' });
  const code = out.code;
  const url = /\/\/# sourceMappingURL=(\S+)/.exec(code)![1]!;
  const map = await loadSourceMap('/srv/app/orders.min.js', url);
  return { analysed: analyseSource(code)!, map, code };
}

/** Where a piece of the minified text starts. */
function offsetIn(code: string, generated: string): number {
  const at = code.indexOf(generated);
  assert.ok(at >= 0, `${generated} in ${code}`);
  return at;
}

test('in minified code, each kind of named function is named as the source names it, through the map', async () => {
  const { analysed, map, code } = await minified();
  assert.doesNotMatch(code, /chargeCard|refundOrder|settle/, 'the minifier renamed them');
  // Each function's body is recognisable in the minified text by its arithmetic.
  const cases: [string, string][] = [
    ['.total*2', 'chargeCard'],
    ['.total-1', 'refundOrder'],
    ['.total>0', 'authorise'],
  ];
  for (const [body, name] of cases) assert.equal(functionNameAt(analysed, offsetIn(code, body), map), name, body);
  // `settle = function (order) { return order.total; }`: the one body that returns a bare `.total`.
  const assigned = /return \w+\.total\}/.exec(code)!.index;
  assert.equal(functionNameAt(analysed, assigned, map), 'settle');
  // Without its map the script's own names are all there is.
  const generated = functionNameAt(analysed, offsetIn(code, '.total*2'));
  assert.notEqual(generated, 'chargeCard');
  assert.match(generated ?? '', /^[\w$]{1,2}$/);
});

test('an anonymous function stays anonymous, and an unminified script keeps its names with or without a map', async () => {
  const { analysed, map, code } = await minified();
  // The callback of `orders.map`, the last arrow.
  const arrow = code.lastIndexOf('=>');
  assert.equal(functionNameAt(analysed, arrow + 3, map), '(anonymous)');
  // The exported function, renamed (`o`), its export naming it `run` again.
  assert.equal(functionNameAt(analysed, code.indexOf('.map('), map), 'run');
  const plain = analyseSource(SOURCE)!;
  assert.equal(functionNameAt(plain, SOURCE.indexOf('in-declaration')), 'chargeCard');
  assert.equal(functionNameAt(plain, SOURCE.indexOf('in-method')), 'authorise');
  assert.equal(functionNameAt(plain, SOURCE.indexOf('return orders')), 'run');
});
