// Runs the test suite with node:test: every test/**/*.test.ts, or the files matching filters.
//
//   node scripts/run-tests.mjs [path-filter…] [--name <pattern>]…
//
// A path filter keeps the files whose repository path contains it; --name keeps the tests
// whose name matches the pattern. The run fails if a test fails or if no test ran at all,
// so a filter that matches nothing (or a suite that silently skips) cannot pass.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fileTimeoutMs = 300_000;

// Test files inherit the runner's execArgv on Node 20 (run() has no execArgv option before
// Node 22.10), so the runner itself must be started with tsx loaded.
if (!loadsTsx(process.execArgv)) {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

const { pathFilters, namePatterns } = parseArgs(process.argv.slice(2));
const files = testFiles(join(root, 'test')).filter(
  (file) => pathFilters.length === 0 || pathFilters.some((filter) => relative(root, file).includes(filter)),
);
if (files.length === 0) {
  console.error(`no test file matches ${pathFilters.join(', ')}`);
  process.exit(1);
}

const counts = { passed: 0, failed: 0, skipped: 0 };
const stream = run({
  files,
  // One file at a time: each end-to-end test runs several processes, and the machine has 2 cores.
  concurrency: 1,
  timeout: fileTimeoutMs,
  ...(namePatterns.length > 0 ? { testNamePatterns: namePatterns } : {}),
});
stream.on('test:pass', (event) => count(event, 'passed'));
stream.on('test:fail', (event) => count(event, 'failed'));
for await (const chunk of stream.compose(new spec())) process.stdout.write(chunk);

const ran = counts.passed + counts.failed;
if (ran === 0) console.log('no test ran');
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exitCode = counts.failed > 0 || ran === 0 ? 1 : 0;

function count(event, outcome) {
  // Suites are containers, not tests; their own failure also shows up as a failed test inside.
  if (event.details?.type === 'suite') return;
  if (event.skip !== undefined || event.todo !== undefined) counts.skipped += 1;
  else counts[outcome] += 1;
}

function loadsTsx(execArgv) {
  return execArgv.some((arg, i) => arg === '--import=tsx' || (arg === '--import' && execArgv[i + 1] === 'tsx'));
}

function parseArgs(args) {
  const pathFilters = [];
  const namePatterns = [];
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--name') {
      const pattern = args[(i += 1)];
      if (pattern === undefined) throw new Error('--name needs a pattern');
      namePatterns.push(new RegExp(pattern));
    } else {
      pathFilters.push(args[i]);
    }
  }
  return { pathFilters, namePatterns };
}

// Node 20's --test does not expand `**`, so the glob test/**/*.test.ts is walked here.
function testFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .filter((file) => !relative(dir, file).split('/').includes('node_modules'))
    .sort();
}
