// A benchmark reading /proc for an app it counts on (bench/lib/running-app.ts): while the app runs
// it gets the file; once the app ended, an error that says how it ended and what it printed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Child } from '@liveprobe/harness';
import { AppEndedError, procFile } from '../../bench/lib/running-app.js';

test('a running app: its /proc file', async (t) => {
  const app = new Child(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], { name: 'idle app' });
  t.after(() => app.stop());
  await app.waitForMatch(/^up$/, 10_000, 'up');
  assert.match(procFile(app, 'status'), /^VmRSS:\s+\d+ kB$/m);
});

test('an app that ended: how it ended and its last output, not ENOENT', async () => {
  const app = new Child(process.execPath, ['-e', 'console.log("the last words"); process.exit(3)'], { name: 'short app' });
  await app.exited;
  assert.throws(
    () => procFile(app, 'status', 'it idled'),
    (err: unknown) =>
      err instanceof AppEndedError &&
      /^short app \(pid \d+\) ended while it idled \(.*3.*\); its output:\nthe last words/.test(err.message),
  );
});

test('an app killed from outside: the signal is named', async () => {
  const app = new Child(process.execPath, ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], { name: 'killed app' });
  await app.waitForMatch(/^up$/, 10_000, 'up');
  process.kill(app.pid, 'SIGKILL');
  await app.exited;
  assert.throws(
    () => procFile(app, `task/${app.pid}/schedstat`),
    /killed app \(pid \d+\) ended while the benchmark measured it \(.*SIGKILL.*\)/,
  );
});
