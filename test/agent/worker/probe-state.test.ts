/** The moves a probe may make between states, and the ones that fail loudly. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Action } from '@liveprobe/protocol';
import { advance, isEnded, type Probe, ProbeStateError, preparedPlacement } from '../../../agent/src/worker/probe-state.js';

function probe(state: Probe['state']): Probe {
  return { action: { id: 'a1' } as Action, state, keys: [1], pauses: [], checked: [] };
}

test('an ended probe never moves again, and a move the table does not list names both states', () => {
  const ended: Probe['state'][] = [
    { kind: 'finished', reason: 'hit_limit' },
    { kind: 'blocked', checked: [] },
    { kind: 'error', message: 'x' },
  ];
  for (const state of ended) {
    assert.equal(isEnded(state), true);
    assert.throws(() => advance(probe(state), { kind: 'waiting' }), ProbeStateError);
  }
  assert.throws(() => advance(probe({ kind: 'prepared', placement: [] }), { kind: 'breakpoints', ids: [], placements: [] }), {
    message: 'action a1 cannot go from prepared to breakpoints',
  });
  const moving = probe({ kind: 'waiting' });
  advance(moving, { kind: 'breakpoints', ids: ['bp1'], placements: [] });
  assert.equal(moving.state.kind, 'breakpoints');
  assert.equal(isEnded(moving.state), false);
});

test('a probe needs no inspector session only on prepared sites, installed or paused there', () => {
  const placement = [{ file: 0, key: 1, roots: [], sites: [0] }];
  const timer = setTimeout(() => undefined, 0);
  clearTimeout(timer);
  assert.equal(preparedPlacement({ kind: 'prepared', placement }), placement);
  assert.equal(preparedPlacement({ kind: 'paused', timer, resumes: { kind: 'prepared', placement } }), placement);
  assert.equal(preparedPlacement({ kind: 'paused', timer, resumes: { kind: 'breakpoints', placements: [] } }), undefined);
  assert.equal(preparedPlacement({ kind: 'waiting' }), undefined);
});
