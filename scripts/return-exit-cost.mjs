// What a `return`'s exit site costs with its flags off (docs/PREPARE.md, "What the transform
// does"): a small function returning a computed value, prepared by a checkout's own transform,
// called in a loop. `inline` holds a closure, so it is not twinned and its exit site is in its
// own body; `large` is `inline` with more statements, past what TurboFan inlines into the loop
// (460 bytes of bytecode) with or without the exit site; `leaf` is twinned, its exit site in the
// twin, which its flag keeps off. `tidy` is `inline` returning inside `try … finally` (the
// wrapper around its `try`, TRANSFORM_VERSION 15), `maker` returns a value holding a function
// (its value kept in an array, TRANSFORM_VERSION 15), `found` is `inline` returning inside `for …
// of` over an array (the wrapper around its loop, TRANSFORM_VERSION 16).
//
//   node scripts/return-exit-cost.mjs <checkout, built> <inline|large|leaf|tidy|maker|found> <calls>
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --predictable scripts/return-exit-cost.mjs . inline 2000000
//
// The cost of one call is the slope between two large N: (instructions at 2N − instructions at
// N) / N, which leaves out start-up and V8's compiling. Run it with a checkout before
// TRANSFORM_VERSION 14 (15 for tidy and maker, 16 for found) for the price of the exit site.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [checkout, variant, callsText] = process.argv.slice(2);
const calls = Number(callsText);
if (checkout === undefined || !['inline', 'large', 'leaf', 'tidy', 'maker', 'found'].includes(variant) || !(calls >= 0)) {
  console.error('usage: node scripts/return-exit-cost.mjs <checkout, built> <inline|large|leaf|tidy|maker|found> <calls>');
  process.exit(2);
}
const { prepareSource, TRANSFORM_VERSION } = await import(pathToFileURL(resolve(checkout, 'agent/dist/prepare/transform.js')).href);

const SOURCE = [
  'function inline(o, k) { const get = () => { return o.v; }; return get() * 2 + k; }',
  'function large(o, k) { const get = () => { return o.v; }; let a = o.v + k; let b = a * 2; let c = b - k; let d = c ^ a; let e = d | 0; return get() * 2 + e; }',
  'function leaf(o, k) { const v = o.v * 2; return v + k + o.w; }',
  'function tidy(o, k) { const get = () => { return o.v; }; try { return get() * 2 + k; } finally { o.w = k; } }',
  'function maker(o, k) { return { k, get: () => o.v }.k * 2 + o.v; }',
  'function found(o, k) { const get = () => { return o.v; }; for (const x of o.xs) { if (x > k) return get() * 2 + x; } return k; }',
  'module.exports = { inline, large, leaf, tidy, maker, found };',
  '',
].join('\n');
const HEADER = 'const $lpS = __S, $lpK = __K, $lpF = __F, $lpH = function () {}, $lpX = [0], $lpT = function () {};';
const prepared = prepareSource(SOURCE, { kind: 'commonjs', header: HEADER });
const module = { exports: {} };
new Function('module', '__S', '__K', '__F', prepared.code)(module, new Uint8Array(64), new Int32Array(64), new Uint8Array(8));
const run = module.exports[variant];
const o = { v: 3, w: 1, xs: [2, 5, 9] };
let sum = 0;
for (let i = 0; i < calls; i++) sum += run(o, i & 7);
console.log(`${variant}: ${calls} calls, sum ${sum}, TRANSFORM_VERSION ${TRANSFORM_VERSION}`);
