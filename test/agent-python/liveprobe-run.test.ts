// `liveprobe-run` in front of `opentelemetry-instrument` would run the app without the agent:
// opentelemetry-instrument puts its own sitecustomize first on PYTHONPATH, and it starts no other.
// liveprobe-run says which order works instead of starting an agent that never sees the app.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ensureVenv, VENV } from './python-app.js';

test('liveprobe-run before opentelemetry-instrument is refused with the order that works', () => {
  ensureVenv();
  for (const [args, suggested] of [
    [['uvicorn', 'app:app', '--workers', '2'], 'liveprobe-run uvicorn app:app --workers 2'],
    [['--traces_exporter', 'console', 'python', 'app.py'], 'liveprobe-run <program> [args…]'],
  ] as const) {
    const run = spawnSync(`${VENV}/bin/liveprobe-run`, ['opentelemetry-instrument', ...args], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(
      run.stderr,
      `liveprobe-run: run it after opentelemetry-instrument, not before: opentelemetry-instrument [its options] ${suggested} ` +
        "(opentelemetry-instrument's sitecustomize starts no other; liveprobe-run's starts the agent, then OpenTelemetry's)\n",
    );
  }
});
