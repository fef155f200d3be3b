// Runs the same benchmarks from two checkouts of liveprobe (each built, each with its own agent)
// in alternation, so load on a shared machine falls on both alike, and prints for every row of
// every table its value in each checkout and the ratio new/old (median and range of the ratios
// taken within a round, the order of the two flipping each round).
//
//   node scripts/bench-compare.mjs --old <checkout> [--new <checkout>] [--rounds <n>] -- <bench arguments>
//   node scripts/bench-compare.mjs --old /tmp/lp-old --rounds 6 -- cost-per-hit --rounds 1
//
// <checkout> is a directory holding bench/dist/run.js (after `npm ci` or `npm run build`);
// --new defaults to this checkout. Each round runs `node <checkout>/bench/dist/run.js <bench
// arguments>` once per checkout and compares every numeric cell, matched by table heading, row
// label and column heading.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const separator = process.argv.indexOf('--');
const own = separator === -1 ? process.argv.slice(2) : process.argv.slice(2, separator);
const benchArgs = separator === -1 ? [] : process.argv.slice(separator + 1);
const { values } = parseArgs({
  args: own,
  options: { old: { type: 'string' }, new: { type: 'string' }, rounds: { type: 'string', default: '5' } },
});
if (values.old === undefined || benchArgs.length === 0) {
  console.error('usage: node scripts/bench-compare.mjs --old <checkout> [--new <checkout>] [--rounds <n>] -- <bench arguments>');
  process.exit(2);
}
const checkouts = { old: values.old, new: values.new ?? fileURLToPath(new URL('..', import.meta.url)) };
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number above 0, not ${values.rounds}`);

/** key (table heading / row label) → { old: number[], new: number[] }, one entry per round. */
const samples = new Map();
const loads = [loadavg()[0]];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
  for (const side of order) {
    process.stderr.write(`bench-compare: round ${round + 1}/${rounds}, ${side} (${checkouts[side]})\n`);
    const run = spawnSync(process.execPath, [join(checkouts[side], 'bench/dist/run.js'), ...benchArgs], {
      cwd: checkouts[side],
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`${side} run failed (exit ${run.status}):\n${run.stdout}`);
    for (const [key, value] of measurements(run.stdout)) {
      const entry = samples.get(key) ?? { old: [], new: [] };
      entry[side][round] = value;
      samples.set(key, entry);
    }
  }
  loads.push(loadavg()[0]);
}

const rows = [];
for (const [key, entry] of samples) {
  const ratios = entry.new.flatMap((value, round) => (entry.old[round] === undefined ? [] : [value / entry.old[round]]));
  if (ratios.length === 0) continue;
  rows.push([
    key,
    sig(median(entry.old.filter(Number.isFinite))),
    sig(median(entry.new.filter(Number.isFinite))),
    `×${sig(median(ratios))}`,
    `×${sig(Math.min(...ratios))} – ×${sig(Math.max(...ratios))}`,
  ]);
}
console.log(`bench-compare: ${rounds} rounds of \`${benchArgs.join(' ')}\`, old = ${checkouts.old}, new = ${checkouts.new}`);
console.log(`load average (1 min) at each round's end: ${loads.map((l) => l.toFixed(1)).join(', ')}`);
console.log('values in ns for times, as printed otherwise (req/s, MiB); ratios new/old per round\n');
console.log('| row | old (median) | new (median) | new/old (median) | new/old (range) |');
console.log('|---|--:|--:|--:|--:|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);

/** Every numeric cell of every table, keyed by the table's first heading, the row's label and the column's heading, in base units. */
function* measurements(markdown) {
  let headings;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      headings = undefined;
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (headings === undefined) {
      headings = cells;
      continue;
    }
    if (/^:?-+:?$/.test(cells[0] ?? '')) continue;
    for (let column = 1; column < cells.length; column++) {
      // A range column holds one value when a run has one round: the same figure again.
      if (/^range/.test(headings[column] ?? '')) continue;
      const value = parseValue(cells[column]);
      if (value !== undefined) yield [`${headings[0]} / ${cells[0]} / ${headings[column]}`, value];
    }
  }
}

function parseValue(text) {
  const match = /^×?(-?[\d,.]+)\s*(ns|µs|ms|s|MiB|KB|MB|%)?$/.exec(text);
  if (match === null) return undefined;
  const number = Number(match[1].replaceAll(',', ''));
  const scale = { ns: 1, µs: 1e3, ms: 1e6, s: 1e9 }[match[2]] ?? 1;
  return number * scale;
}

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)] + sorted[Math.ceil(middle)]) / 2;
}

function sig(value) {
  if (!Number.isFinite(value)) return '—';
  return Number(value.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}
