/**
 * A log line on a breakpoint goes into the hook's batch as a prepared site's does, measured for
 * its byte quota: a line over the quota is taken back out before the probe pauses, and pausing
 * sends the batch at once, so what the worker receives is whole lines only, then the pause.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { checkTemplate } from '@liveprobe/protocol';
import type { HitOutput, ToWorker } from '../../../agent/src/bridge.js';
import { AppOtel } from '../../../agent/src/main/app-otel.js';
import { ProbeHook } from '../../../agent/src/main/probe-hook.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_QUOTAS } from '../../../agent/src/settings/quota-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { unpackLines } from '../../../agent/src/worker/packed-lines.js';

test("a breakpoint's log lines over the byte quota: the lines that fit arrive whole, the one over it leaves nothing in the batch, and the probe pauses", (t) => {
  const { port1, port2 } = new MessageChannel();
  t.after(() => {
    port1.close();
    port2.close();
  });
  const hook = new ProbeHook(port1, new AppOtel());
  // 60 bytes a second: three lines of 16 bytes (`n=1 user=user-1!`) fit, the fourth does not.
  port2.postMessage({
    t: 'init',
    agentId: 'test',
    capture: DEFAULT_CAPTURE_LIMITS,
    redaction: { keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] },
    quotas: { ...DEFAULT_QUOTAS, hitsPerSecond: 0, cpuMsPerSecond: 0, bytesPerSecond: 60 },
    logOutputs: ['otel', 'live'],
  });
  port2.postMessage({
    t: 'arm',
    key: 1,
    actionId: 'act_1',
    roots: ['n', 'user'],
    log: { level: 'info', template: checkTemplate('n={n} user={user}!').parts },
    maxHits: 100,
    expiresAt: Number.MAX_SAFE_INTEGER,
    file: '/app/work.js',
    line: 3,
  });
  // As a breakpoint's condition calls it: not a prepared site.
  for (let n = 1; n <= 5; n++) hook.hit(1, [n, `user-${n}`], undefined);
  hook.flushForExit();

  const sent: ToWorker[] = [];
  for (let m = receiveMessageOnPort(port2); m !== undefined; m = receiveMessageOnPort(port2)) sent.push(...(m.message as ToWorker[]));
  const lines: HitOutput[] = [];
  for (const item of sent) if (item.t === 'logs') unpackLines(item, (hit) => lines.push(hit));
  assert.deepEqual(
    lines.map((l) => l.message),
    ['n=1 user=user-1!', 'n=2 user=user-2!', 'n=3 user=user-3!'],
  );
  const paused = sent.findIndex((m) => m.t === 'paused');
  assert.ok(paused >= 0, 'the probe paused over its byte quota');
  assert.ok(sent.findIndex((m) => m.t === 'logs') < paused, 'the lines went before the pause, in the batch the pause sent');
});
