// The run both Next.js stand-in tests make (exception-handled-next.test.ts, -next14.test.ts):
// the app's answers without the agent, then with it and an exception action, which must be the same.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ObservedList } from '@liveprobe/harness';
import type { SnapshotEvent } from '@liveprobe/protocol';
import { startApp } from '../helpers/app.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

export interface StandInRun {
  url: string;
  actionId: string;
  snapshots: ObservedList<SnapshotEvent>;
  /** Each request's answer, `<status> <body>`, with the agent. */
  answers: string[];
}

async function answersOf(url: string, requests: [string, RequestInit][]): Promise<string[]> {
  const all: string[] = [];
  for (const [path, init] of requests) {
    const response = await fetch(`${url}${path}`, init);
    all.push(`${response.status} ${await response.text()}`);
  }
  return all;
}

export async function runWithAndWithoutAgent(
  t: TestContext,
  script: string,
  env: Record<string, string>,
  requests: [string, RequestInit][],
  messagePattern: string,
): Promise<StandInRun> {
  const plain = await startApp({ script, module: 'cjs', tags: ['e2e'], broker: 'mqtt://127.0.0.1:9', agent: false, env });
  t.after(() => plain.stop());
  const without = await answersOf(plain.url, requests);
  await plain.stop();

  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const next = await app(t, { script, module: 'cjs', broker: cp.mqttUrl, env });
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'], messagePattern });
  assert.match(await installed(cp, action.id), /^installed/);
  const answers = await answersOf(next.url, requests);
  assert.deepEqual(answers, without, 'the same answers as without the agent');
  return { url: next.url, actionId: action.id, snapshots, answers };
}
