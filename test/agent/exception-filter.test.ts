import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExceptionAction } from '@liveprobe/protocol';
import { fingerprint, inFiles, StackRate, wants } from '../../agent/src/exception-filter.js';

const action = (fields: Partial<ExceptionAction> = {}): ExceptionAction => ({
  id: 'act_exc',
  type: 'exception',
  file: '',
  line: 0,
  tags: ['t'],
  agents: [],
  maxHits: 100,
  createdAt: '2026-12-04T00:00:00Z',
  expiresAt: '2026-12-04T01:00:00Z',
  ratePerMinute: 3,
  ...fields,
});

test('an error type matches the class or any base class; a message pattern is a regular expression', () => {
  const validation = { types: ['ValidationError', 'Error', 'Object'], message: 'invalid order: negative amount' };
  assert.equal(wants(action({ errorType: 'ValidationError' }), validation), true);
  assert.equal(wants(action({ errorType: 'Error' }), validation), true, 'a base class matches');
  assert.equal(wants(action({ errorType: 'TypeError' }), validation), false);
  assert.equal(wants(action({ messagePattern: 'negative|zero' }), validation), true);
  assert.equal(wants(action({ messagePattern: '^timeout' }), validation), false);
  assert.equal(wants(action({ messagePattern: 'timeout(' }), validation), false, 'a pattern that does not compile matches nothing');
});

test('each stack gets its own rate a minute; a minute later it has room again', () => {
  const rate = new StackRate();
  const frames = (line: number) => [{ url: 'file:///app.js', location: { lineNumber: line, columnNumber: 4 } }];
  const a = fingerprint(frames(10));
  const b = fingerprint(frames(20));
  assert.notEqual(a, b);
  const taken = [0, 1, 2].map((i) => rate.take('act_exc', a, 2, 1000 + i));
  assert.deepEqual(taken, [true, true, false]);
  assert.equal(rate.take('act_exc', b, 2, 1003), true, 'another stack is not held back');
  assert.equal(rate.take('act_other', a, 2, 1003), true, 'another action counts on its own');
  assert.equal(rate.take('act_exc', a, 2, 61_001), true, 'after a minute');
});

test('file globs match the throw site wherever the app is deployed; no globs match every file', () => {
  const globbed = action({ files: ['src/billing/**', '**/*.mts'] });
  assert.equal(inFiles(globbed, '/srv/app/src/billing/invoice.ts'), true);
  assert.equal(inFiles(globbed, '/srv/app/src/billing/deep/tax/vat.ts'), true);
  assert.equal(inFiles(globbed, '/srv/app/lib/queue.mts'), true, 'the second glob');
  assert.equal(inFiles(globbed, '/srv/app/src/orders/checkout.ts'), false);
  assert.equal(inFiles(globbed, '/srv/app/node_modules/pg/lib/client.js'), false);
  assert.equal(inFiles(globbed, 'C:\\app\\src\\billing\\invoice.ts'), true, 'Windows paths compare with forward slashes');
  assert.equal(inFiles(action(), '/anything.js'), true);
});
