// What an expression-bodied arrow's site costs with its flag off (docs/PREPARE.md, "What the
// transform does"): `(o) => o.total` called in a hot loop, as written, as another checkout's
// transform prepares it (before arrow18 the arrow had no site), and as this checkout's does, side
// by side in one process (the loop's own function is a twin, whose original body has no guard).
// Prints the median time per call of 15 rounds of 200,000 calls each.
//
//   node scripts/arrow-site-cost.mjs <other checkout, built>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const other = process.argv[2];
if (other === undefined) {
  console.error('usage: node scripts/arrow-site-cost.mjs <other checkout, built>');
  process.exit(2);
}
const transformOf = async (checkout) =>
  (await import(pathToFileURL(resolve(checkout, 'agent/dist/prepare/transform.js')).href)).prepareSource;
const [mine, theirs] = await Promise.all([transformOf(resolve(import.meta.dirname, '..')), transformOf(other)]);

const SOURCE = [
  'const f = (o) => o.total;',
  'module.exports = function run(items) { let s = 0; for (let r = 0; r < 200; r++) for (let i = 0; i < items.length; i++) s += f(items[i]); return s; };',
  '',
].join('\n');
const HEADER = 'const $lpS = __S, $lpK = __K, $lpF = __F, $lpH = function () {}, $lpX = [0];';
const load = (code) => {
  const module = { exports: {} };
  new Function('module', '__S', '__K', '__F', code)(module, new Uint8Array(64), new Int32Array(64), new Uint8Array(8));
  return module.exports;
};
const runs = {
  'as written': load(SOURCE),
  'prepared by the other checkout': load(theirs(SOURCE, { kind: 'commonjs', header: HEADER }).code),
  'prepared by this checkout': load(mine(SOURCE, { kind: 'commonjs', header: HEADER }).code),
};
const items = Array.from({ length: 1000 }, (_, i) => ({ total: i }));
for (let i = 0; i < 50; i++) for (const run of Object.values(runs)) run(items);
const times = Object.fromEntries(Object.keys(runs).map((name) => [name, []]));
for (let round = 0; round < 15; round++)
  for (const [name, run] of Object.entries(runs)) {
    const started = process.hrtime.bigint();
    run(items);
    times[name].push(Number(process.hrtime.bigint() - started) / 200_000);
  }
for (const [name, list] of Object.entries(times))
  console.log(`${name}: ${list.sort((a, b) => a - b)[list.length >> 1].toFixed(2)} ns a call`);
