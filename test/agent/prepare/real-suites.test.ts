/**
 * Real projects' own test suites, run from the npm packages that ship them (devDependencies,
 * so the lock file pins them; nothing is copied into this repository), three ways: the original;
 * the package prepared in full with every flag off; prepared with every twin and site on
 * (LIVEPROBE_PREPARE_FLAGS=all). Each way must pass every test, with the same count, and every
 * file of the package must actually be prepared. Prints pass/fail counts and time per mode.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { fromRoot } from '@liveprobe/harness';

/** Packages whose published tarball has its tape suite under test/. */
const SUITES = ['minimist', 'qs', 'side-channel', 'function-bind', 'is-regex', 'es-to-primitive'];

const AGENT = pathToFileURL(fromRoot('agent/dist/register.js')).href;
const TAPE = fromRoot('node_modules/tape/bin/tape');
const MODES = ['original', 'prepared, flags off', 'prepared, every flag on'] as const;

interface SuiteRun {
  mode: (typeof MODES)[number];
  status: number | null;
  tests: number;
  pass: number;
  fail: number;
  ms: number;
  /** Files the agent prepared (from its start-up report), and those it left untouched. */
  prepared: number;
  untouched: string[];
  output: string;
}

function runSuite(pkg: string, mode: (typeof MODES)[number]): Promise<SuiteRun> {
  const dir = fromRoot(`node_modules/${pkg}`);
  const agent = mode === 'original' ? [] : ['--import', AGENT];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    ...(mode === 'original'
      ? {}
      : {
          LIVEPROBE_PREPARE: `${dir}/**`,
          LIVEPROBE_PREPARE_CACHE: 'off',
          LIVEPROBE_PREPARE_FLAGS: mode === 'prepared, flags off' ? 'off' : 'all',
          LIVEPROBE_LOG_LEVEL: 'debug',
          // No control plane here: the agent only prepares; its retries must not slow the exit.
          LIVEPROBE_EXIT_FLUSH_MS: '0',
        }),
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...agent, TAPE, 'test/**/*.js'], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const count = (label: string): number => Number(new RegExp(`^# ${label}\\s+(\\d+)$`, 'm').exec(stdout)?.[1] ?? 0);
      let prepared = 0;
      const untouched: string[] = [];
      for (const m of stderr.matchAll(
        /^\[liveprobe\] prepared (\d+) files[^;\n]*(?:; \d+ left untouched \(breakpoints only\): (.*))?$/gm,
      )) {
        prepared += Number(m[1]);
        if (m[2] !== undefined) untouched.push(m[2]);
      }
      resolve({
        mode,
        status,
        tests: count('tests'),
        pass: count('pass'),
        fail: count('fail'),
        ms: performance.now() - started,
        prepared,
        untouched,
        output: `${stdout
          .split('\n')
          .filter((l) => l.startsWith('not ok') || l.startsWith('#'))
          .join('\n')}\n${stderr}`.slice(-4000),
      });
    });
  });
}

const table: string[] = ['| package | mode | tests | pass | fail | time |', '| --- | --- | ---: | ---: | ---: | ---: |'];

for (const pkg of SUITES) {
  test(`${pkg}'s own test suite passes in full, original and prepared (flags off, every flag on)`, async () => {
    const runs: SuiteRun[] = [];
    for (const mode of MODES) runs.push(await runSuite(pkg, mode));
    const version = (await import(pathToFileURL(fromRoot(`node_modules/${pkg}/package.json`)).href, { with: { type: 'json' } })) as {
      default: { version: string };
    };
    for (const run of runs)
      table.push(
        `| ${pkg} ${version.default.version} | ${run.mode} | ${run.tests} | ${run.pass} | ${run.fail} | ${(run.ms / 1000).toFixed(1)} s |`,
      );
    const [original] = runs;
    assert.ok(original!.tests > 0 && original!.fail === 0 && original!.status === 0, `the original suite must pass:\n${original!.output}`);
    for (const run of runs.slice(1)) {
      assert.equal(run.status, 0, `${pkg}, ${run.mode}:\n${run.output}`);
      assert.deepEqual(
        { tests: run.tests, pass: run.pass, fail: run.fail },
        { tests: original!.tests, pass: original!.pass, fail: 0 },
        `${pkg}, ${run.mode}:\n${run.output}`,
      );
      assert.ok(run.prepared > 0, `${pkg}, ${run.mode}: the agent prepared no file\n${run.output}`);
      assert.deepEqual(run.untouched, [], `${pkg}, ${run.mode}: every file of the package is prepared`);
    }
  });
}

test.after(() => {
  process.stdout.write(`\n${table.join('\n')}\n`);
});
