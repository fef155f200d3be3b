// The agent's own settings (redaction, blocklist, quotas) change with its config file while the
// app runs: no restart, and a broken edit keeps the settings in use.
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ActionStatusEvent, OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, tempDir, waitFor, type App, type SseEvent, type SseStream } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';

const WAIT = 15_000;
const BILLING = 'test/fixtures/billing-app.mjs';
const CHARGE = { file: BILLING, line: lineOf(BILLING, 'charge'), tags: ['billing'] };
const GREET = { file: BILLING, line: lineOf(BILLING, 'greet'), tags: ['billing'] };

const isStatus =
  (actionId: string, state: string) =>
  (e: SseEvent): boolean =>
    e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId && (e.data as ActionStatusEvent).state === state;
const outputs = (events: SseStream, actionId: string): string[] =>
  events
    .events()
    .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId)
    .map((e) => (e.data as OutputEvent).message);
const output = async (events: SseStream, actionId: string, starts: string): Promise<string> =>
  (
    (
      await events.waitFor(
        (e) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId && (e.data as OutputEvent).message.startsWith(starts),
        WAIT,
        `${actionId}: ${starts}…`,
      )
    ).data as OutputEvent
  ).message;

/** One request; returns the pid that answered. */
async function pay(service: App, name: string): Promise<number> {
  const response = await fetch(`${service.url}/?name=${name}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { pid: number }).pid;
}

/** The agent's lines about its config file, as the app printed them. */
const configLines = (service: App): string[] =>
  service
    .output()
    .split('\n')
    .filter((line) => line.includes('[liveprobe] LIVEPROBE_CONFIG:'));

test("redaction, blocklist and quotas follow the agent's config file while the app runs; a broken edit keeps the settings in use", async (t) => {
  const temp = await tempDir();
  t.after(() => temp.remove());
  const file = join(temp.path, 'liveprobe.json');
  writeFileSync(file, JSON.stringify({ prepare: { files: ['build/**'] } }));
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: BILLING,
    broker: cp.mqttUrl,
    tags: ['billing'],
    env: { LIVEPROBE_CONFIG: file, LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' },
  });

  /** Saves the file (in place, or as editors do: a new file renamed over it) and waits for the agent's line about it. */
  const edit = async (content: unknown, line: RegExp, how: 'in place' | 'rename' = 'in place'): Promise<string> => {
    const seen = configLines(service).length;
    const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
    if (how === 'rename') {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    } else writeFileSync(file, text);
    return waitFor(
      () =>
        configLines(service)
          .slice(seen)
          .find((l) => line.test(l)),
      WAIT,
      `the agent's line ${line}`,
    );
  };

  const charge = (await addAction(cp, { type: 'log', ...CHARGE, template: '{customer.name} card {customer.card_ref}', maxHits: 1000 }))
    .action.id;
  const greet = (await addAction(cp, { type: 'log', ...GREET, template: '{greeting} card {customer.card_ref}', maxHits: 1000 })).action.id;
  for (const id of [charge, greet]) await events.waitFor(isStatus(id, 'installed'), WAIT, `${id} installed`);
  const pid = await pay(service, 'ada');
  assert.equal(await output(events, charge, 'ada'), 'ada card ref-ada');

  // Redaction: the next hit of the same action hides the key, in the same process.
  const redacted = await edit({ redact: { keys: ['card_ref'] }, prepare: { files: ['build/**'] } }, /reloaded /);
  assert.equal(redacted, `[liveprobe] LIVEPROBE_CONFIG: reloaded ${file}: redact.keys +card_ref`);
  assert.equal(await pay(service, 'bob'), pid, 'the same process answers');
  assert.equal(await output(events, charge, 'bob'), 'bob card [REDACTED]');
  assert.equal(await output(events, greet, 'hello bob'), 'hello bob card [REDACTED]');

  // Blocklist: the installed action on the blocked function leaves the app, and says why.
  await edit(
    { redact: { keys: ['card_ref'] }, block: { functions: ['charge'] }, prepare: { files: ['build/**'] } },
    /reloaded .*: block\.functions \+charge$/,
    'rename',
  );
  const removed = await events.waitFor(isStatus(charge, 'error'), WAIT, "the blocked action's error");
  assert.match(
    (removed.data as ActionStatusEvent).message ?? '',
    /^removed after the agent's configuration changed: function `charge` is blocked by this agent's configuration \(blocklist rule functions: `charge`\)/,
  );
  assert.equal(await pay(service, 'cy'), pid);
  assert.equal(await output(events, greet, 'hello cy'), 'hello cy card [REDACTED]');
  assert.deepEqual(
    outputs(events, charge).filter((m) => m.startsWith('cy')),
    [],
    'no output from the blocked action',
  );

  // A broken edit: the agent says what is wrong and keeps redacting and blocking as before.
  const complaint = await edit({ redact: { keys: 'card_ref' }, prepare: { files: ['build/**'] } }, /keeping the settings in use/);
  assert.equal(
    complaint,
    `[liveprobe] LIVEPROBE_CONFIG: ${file}: \`redact.keys\` must be an array of strings; keeping the settings in use until the file is fixed`,
  );
  assert.equal(await pay(service, 'dee'), pid);
  assert.equal(await output(events, greet, 'hello dee'), 'hello dee card [REDACTED]');
  assert.deepEqual(
    outputs(events, charge).filter((m) => m.startsWith('dee')),
    [],
  );

  // Fixed, with a lower quota and without the blocklist entry: the unblocked action comes back, and greet samples to the new quota.
  const fixed = await edit({ redact: { keys: ['card_ref'] }, quotas: { hitsPerSecond: 1 }, prepare: { files: ['out/**'] } }, /reloaded /);
  assert.equal(fixed, `[liveprobe] LIVEPROBE_CONFIG: reloaded ${file}: quotas.hitsPerSecond 200 → 1; block.functions -charge`);
  assert.equal(configLines(service).filter((l) => l.includes('`prepare` changed')).length, 1, 'a change to `prepare` is noted once');
  await events.waitFor(
    (e) => isStatus(charge, 'installed')(e) && events.events().indexOf(e) > events.events().indexOf(removed),
    WAIT,
    'the unblocked action installed again',
  );
  for (const name of ['eve', 'fay', 'gus']) assert.equal(await pay(service, name), pid);
  const sampling = await events.waitFor(
    (e) => isStatus(greet, 'installed')(e) && /sampling:/.test((e.data as ActionStatusEvent).message ?? ''),
    WAIT,
    'greet sampling',
  );
  assert.match(
    (sampling.data as ActionStatusEvent).message ?? '',
    /^breakpoint; sampling: .*, to stay within the agent's quota of 1 hits per second$/,
  );
  assert.equal(await output(events, charge, 'eve'), 'eve card [REDACTED]');
  assert.match(
    service.output(),
    /\[liveprobe\] LIVEPROBE_CONFIG: .*: `prepare` changed; files are prepared as they load, so it takes effect when the app starts again/,
  );
});
