// `npm run bench` as a user runs it (the built bench/dist/run.js): the report ends with the Targets
// table gathered from the benchmarks that ran, and a wrong profile is refused with the ones there are.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { builtFile, fromRoot } from '@liveprobe/harness';

function bench(...args: string[]) {
  const result = spawnSync(process.execPath, [builtFile('bench/dist/run.js'), ...args], {
    cwd: fromRoot('.'),
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("a benchmark's target rows reach the Targets table at the end of the report, with their verdict", () => {
  const { code, stdout, stderr } = bench('flood');
  assert.equal(code, 0, stderr);
  const targets = stdout.slice(stdout.indexOf('\n## Targets\n'));
  assert.ok(stdout.indexOf('## A flood') < stdout.indexOf('\n## Targets\n'), 'the Targets table comes after the sections');
  const row = targets.split('\n').find((line) => line.startsWith('| floods: every hit that is not exported is counted'));
  assert.ok(row !== undefined, `no flood row in:\n${targets}`);
  const cells = row.split('|').map((c) => c.trim());
  assert.match(cells[4]!, /^(yes|no|unresolved)$/);
  assert.equal(cells[5], 'flood');
  assert.match(stdout, /\n_whole run: \d+\.\d min_\n/);
});

test('a run of benchmarks that measure no target says so in the Targets section', () => {
  const { code, stdout, stderr } = bench('recursion-depth', '--rounds', '1');
  assert.equal(code, 0, stderr);
  assert.match(stdout, /\n## Targets\n[\s\S]*No benchmark that ran reports a target\./);
});

test('an unknown profile is refused, naming the profiles there are, before any benchmark runs', () => {
  const { code, stdout, stderr } = bench('--profile', 'fast');
  assert.equal(code, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /--profile: no profile named "fast"; there are docs, quick/);
});
