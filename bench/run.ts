/**
 * npm run bench [-- <name>… --profile docs|quick --soak <s> --fleet 100,1000,5000 --rounds <n> --duration <s>]
 *
 * Runs every bench/<name>.bench.ts (or the named ones) one after the other and prints a
 * Markdown report on stdout: the command and the machine, one section per benchmark, then the
 * Targets table (issue 21's targets, each beside its floor). Progress goes to stderr.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Benchmark } from './lib/benchmark.js';
import { describeMachine } from './lib/machine.js';
import { PROFILES, resolveOptions } from './lib/profiles.js';
import { renderTargets, type TargetRow } from './lib/targets.js';

const USAGE = `usage: npm run bench -- [name…] [options]

  name                 run only these benchmarks (default: all); --list shows them
  --soak <seconds>     duration of the memory soak (default 60; 600 for the 10-minute soak)
  --fleet <n,n,…>      simulated fleet sizes for the propagation benchmark (default 100,1000,5000)
  --rounds <n>         rounds of interleaved measurements (default: each benchmark's own)
  --duration <seconds> length of each HTTP load run (default 5)
  --profile <name>     named settings for a whole run (docs: what docs/BENCHMARKS.md is pasted
                       from, ~28 minutes; quick: every benchmark once); options given win
  --list               list the benchmarks and exit`;

const TARGETS_NOTE =
  "Issue 21's targets, from the benchmarks of this run, each beside its floor measured in the same run. " +
  '"met" is judged on every round: yes when every round is within the target, no when none is, unresolved when rounds fall on both sides.';

/** The Targets table follows the issue's order, whatever order the benchmarks ran in. */
const TARGET_ORDER = [
  'memory-parts',
  'install-stall',
  'sampling',
  'flood',
  'prepare-speed',
  'request-logging',
  'cost-per-hit',
  'propagation',
];
const issueOrder = (name: string) => (TARGET_ORDER.includes(name) ? TARGET_ORDER.indexOf(name) : TARGET_ORDER.length);

const here = fileURLToPath(new URL('.', import.meta.url));
const extension = import.meta.url.endsWith('.ts') ? '.bench.ts' : '.bench.js';

async function discover(): Promise<Benchmark[]> {
  const files = (await readdir(here)).filter((f) => f.endsWith(extension)).sort();
  const found: Benchmark[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, import.meta.url).href)) as { default?: Benchmark };
    if (module.default === undefined) throw new Error(`${file} has no default export; a benchmark exports { name, title, run }`);
    found.push(module.default);
  }
  return found;
}

function positive(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${option}: "${text}" is not a positive number`);
  return value;
}

function commandLine(args: string[]): string {
  const rest = args.length === 0 ? '' : ` ${args.join(' ')}`;
  return process.env.npm_lifecycle_event === 'bench'
    ? `npm run bench${rest === '' ? '' : ` --${rest}`}`
    : `node bench/dist/${basename(fileURLToPath(import.meta.url))}${rest}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      soak: { type: 'string' },
      fleet: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      profile: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const all = await discover();
  if (values.list === true) {
    for (const b of all) console.log(`${b.name.padEnd(16)} ${b.title}`);
    console.log('\nprofiles (--profile):');
    for (const [name, p] of Object.entries(PROFILES)) console.log(`${name.padEnd(16)} ${p.description}`);
    return;
  }
  const profile = values.profile === undefined ? undefined : PROFILES[values.profile];
  if (values.profile !== undefined && profile === undefined)
    throw new Error(`--profile: no profile named "${values.profile}"; there are ${Object.keys(PROFILES).join(', ')}`);
  const unknown = positionals.filter((name) => !all.some((b) => b.name === name));
  if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')}; there are ${all.map((b) => b.name).join(', ')}`);
  const chosen = positionals.length === 0 ? all : all.filter((b) => positionals.includes(b.name));
  const optionsOf = resolveOptions(
    {
      soakSeconds: values.soak === undefined ? undefined : positive('--soak', values.soak),
      fleetSizes: values.fleet?.split(',').map((n) => positive('--fleet', n.trim())),
      rounds: values.rounds === undefined ? undefined : positive('--rounds', values.rounds),
      httpSeconds: values.duration === undefined ? undefined : positive('--duration', values.duration),
    },
    { soakSeconds: 60, fleetSizes: [100, 1000, 5000], httpSeconds: 5 },
    profile,
  );

  console.log('# liveprobe benchmarks\n');
  const header: Array<[string, string]> = [
    ['command', `\`${commandLine(args)}\``],
    ...(profile === undefined ? [] : [['profile', `${values.profile}: ${profile.description}`] as [string, string]]),
    ['date', new Date().toISOString()],
    ...describeMachine(),
  ];
  for (const [key, value] of header) console.log(`- ${key}: ${value}`);
  const runStarted = Date.now();
  const targets: Array<{ benchmark: string; rows: TargetRow[] }> = [];
  const failedNames: string[] = [];
  for (const benchmark of chosen) {
    const started = Date.now();
    process.stderr.write(`bench: ${benchmark.name} …\n`);
    console.log(`\n## ${benchmark.title}\n`);
    try {
      const report = await benchmark.run({
        options: optionsOf(benchmark.name),
        progress: (line) => process.stderr.write(`bench: ${line}\n`),
      });
      console.log(report.blocks.join('\n\n'));
      if (report.targets !== undefined && report.targets.length > 0) targets.push({ benchmark: benchmark.name, rows: report.targets });
    } catch (err) {
      failedNames.push(benchmark.name);
      console.log(`**failed**: ${errorMessage(err)}`);
      process.stderr.write(`bench: ${benchmark.name} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
    console.log(`\n_${benchmark.name}: ${((Date.now() - started) / 1000).toFixed(0)} s_`);
  }
  console.log(
    `\n## Targets\n\n${TARGETS_NOTE}\n\n${renderTargets(targets.sort((a, b) => issueOrder(a.benchmark) - issueOrder(b.benchmark)))}`,
  );
  if (failedNames.length > 0) console.log(`\nNot measured, the benchmark failed: ${failedNames.join(', ')}.`);
  console.log(`\n_whole run: ${((Date.now() - runStarted) / 60_000).toFixed(1)} min_`);
  process.exitCode = failedNames.length > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(`bench: ${errorMessage(err)}\n\n${USAGE}`);
  process.exitCode = 2;
});
