// The Python agent's own checks: its unit tests (agent-python/tests: the parser against the shared
// expression vectors, read-only evaluation, redaction, a log hit's two halves and its bounded queue)
// run by pytest, and mypy, in the agent's venv.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { ensureVenv, PYTHON } from './python-app.js';

test('pytest passes agent-python/tests', () => {
  ensureVenv();
  const result = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', fromRoot('agent-python/tests')], {
    encoding: 'utf8',
    cwd: fromRoot('agent-python'),
  });
  assert.equal(result.status, 0, `pytest failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /\d+ passed/);
});

test('mypy finds no type errors in agent-python/src', () => {
  ensureVenv();
  const result = spawnSync(PYTHON, ['-m', 'mypy', '--cache-dir', '/tmp/liveprobe-mypy-cache'], {
    encoding: 'utf8',
    cwd: fromRoot('agent-python'),
  });
  assert.equal(result.status, 0, `mypy failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^Success: no issues found/m);
});
