/**
 * The agent tells from a V8 version whether V8 runs a `throw` statement's breakpoint conditions
 * again while a session pauses at every thrown error (agent/src/worker/throw-reruns-version.ts):
 * held here against what each Node the project promises (the tests' own, 22 and 24) really does,
 * counted by a standalone inspector script on that binary.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { conditionsRunAgainAtThrow } from '../../agent/src/worker/throw-reruns-version.js';
import { nodeBinary, PINNED_MAJORS, testsMajor } from './node-binaries.js';

const MAJORS = [testsMajor, ...PINNED_MAJORS.filter((major) => major !== testsMajor)];

for (const major of MAJORS) {
  test(`on Node ${major}, the agent knows whether V8 runs a throwing statement's conditions again`, () => {
    const node = major === testsMajor ? process.execPath : nodeBinary(major as (typeof PINNED_MAJORS)[number]);
    const counted = JSON.parse(execFileSync(node, [fromRoot('test/fixtures/condition-reruns.cjs')], { encoding: 'utf8' })) as {
      v8: string;
      runs: number;
    };
    assert.ok(counted.runs === 1 || counted.runs === 2, `V8 ${counted.v8} ran the condition ${counted.runs} times`);
    assert.equal(conditionsRunAgainAtThrow(counted.v8), counted.runs === 2, `V8 ${counted.v8}: ${counted.runs} runs`);
  });
}
