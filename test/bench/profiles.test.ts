// `npm run bench -- --profile <name>`: which settings each benchmark of a whole run gets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROFILES, resolveOptions } from '../../bench/lib/profiles.js';

const DEFAULTS = { soakSeconds: 60, fleetSizes: [100, 1000, 5000], httpSeconds: 5 };
const none = { soakSeconds: undefined, fleetSizes: undefined, rounds: undefined, httpSeconds: undefined };

test('without a profile every benchmark keeps its own rounds and the runner defaults apply', () => {
  const optionsOf = resolveOptions(none, DEFAULTS, undefined);
  assert.deepEqual(optionsOf('install-stall'), { ...DEFAULTS, rounds: undefined });
});

test('the docs profile runs the 10-minute soak and trims only the benchmarks it names', () => {
  const optionsOf = resolveOptions(none, DEFAULTS, PROFILES.docs);
  assert.equal(optionsOf('memory-soak').soakSeconds, 600);
  assert.equal(optionsOf('python-agent').rounds, PROFILES.docs!.rounds['python-agent']);
  assert.equal(optionsOf('cost-per-hit').rounds, undefined, 'a benchmark the profile does not name keeps its own default');
});

test('the quick profile runs every benchmark once', () => {
  const optionsOf = resolveOptions(none, DEFAULTS, PROFILES.quick);
  for (const name of ['cost-per-hit', 'memory-parts', 'propagation']) assert.equal(optionsOf(name).rounds, 1);
  assert.deepEqual(optionsOf('propagation').fleetSizes, [1000]);
});

test('options given on the command line win over the profile, for every benchmark', () => {
  const optionsOf = resolveOptions({ ...none, rounds: 4, soakSeconds: 30 }, DEFAULTS, PROFILES.docs);
  assert.equal(optionsOf('python-agent').rounds, 4);
  assert.equal(optionsOf('capture').rounds, 4);
  assert.equal(optionsOf('memory-soak').soakSeconds, 30);
  assert.deepEqual(optionsOf('propagation').fleetSizes, [100, 1000, 5000]);
});
