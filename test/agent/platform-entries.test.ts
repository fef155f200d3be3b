/**
 * A real app hands fetch's FormData, Headers and URLSearchParams, and an app class named FormData,
 * to a probed function: a log line and a snapshot show the FormData's entries (secrets redacted by
 * name, a repeated name as a list, a file by its name, size and type) where Node keeps them in a
 * property (20, 22), say plainly that entries kept in private fields are not read (Headers and
 * URLSearchParams everywhere, FormData on 24), and show the app's class as the plain object it is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapturedValue, OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';
import { nodeBinary, testsMajor } from '../node-versions/node-binaries.js';

const WAIT = 20_000;
const APP = 'test/fixtures/form-entries.cjs';
const AT = { file: APP, line: lineOf(APP, 'receive-line'), tags: ['forms'] };
const REASON = (cls: string): string => `${cls} keeps its entries in private fields, which only its own methods read; liveprobe runs none`;
const PRIVATE = (cls: string): string => `<unavailable: ${REASON(cls)}>`;
const ENTRIES =
  'FormData { name: "Ada", password: [REDACTED], tag: ["red", "blue"], upload: File { name: "notes.txt", size: 5, type: "text/plain" } }';
const str = (v: string): CapturedValue => ({ t: 'string', v });
const FORM_NODE: CapturedValue = {
  t: 'object',
  cls: 'FormData',
  props: [
    ['name', str('Ada')],
    ['password', { t: 'redacted' }],
    ['tag', { t: 'array', len: 2, items: [str('red'), str('blue')] }],
    [
      'upload',
      {
        t: 'object',
        cls: 'File',
        props: [
          ['name', str('notes.txt')],
          ['size', { t: 'number', v: 5 }],
          ['type', str('text/plain')],
        ],
      },
    ],
  ],
};

for (const major of [testsMajor, 22, 24] as const) {
  const entriesKept = major < 24;
  test(`on Node ${major}, a log and a snapshot of fetch's FormData, Headers and URLSearchParams show what can be read without running their code`, async (t) => {
    const cp = await controlPlane(t);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const node = major === testsMajor ? undefined : nodeBinary(major as 22 | 24);
    const service = await app(t, { script: APP, module: 'cjs', broker: cp.mqttUrl, tags: ['forms'], ...(node ? { node } : {}) });
    const log = await addAction(cp, {
      type: 'log',
      ...AT,
      template: 'form={form} headers={headers} params={params} lookalike={lookalike}',
    });
    const snapshot = await addAction(cp, { type: 'snapshot', ...AT });
    await installed(cp, log.action.id);
    await installed(cp, snapshot.action.id);
    assert.equal(await (await fetch(service.url)).text(), 'Ada text/plain shoes app-class', 'the app answers as without the agent');

    const line = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).actionId === log.action.id, WAIT, 'the line');
    assert.equal(
      (line.data as OutputEvent).message,
      `form=${entriesKept ? ENTRIES : PRIVATE('FormData')} headers=${PRIVATE('Headers')} params=${PRIVATE('URLSearchParams')} lookalike=FormData { note: "app-class" }`,
    );

    const event = await snapshots.waitFor((s) => s.actionId === snapshot.action.id, WAIT, 'the snapshot');
    const args = event.snapshot.arguments;
    assert.deepEqual(find(args, 'form'), entriesKept ? FORM_NODE : { t: 'unavailable', reason: REASON('FormData') });
    assert.deepEqual(find(args, 'headers'), { t: 'unavailable', reason: REASON('Headers') });
    assert.deepEqual(find(args, 'lookalike'), { t: 'object', cls: 'FormData', props: [['note', str('app-class')]] });
    assert.ok(!JSON.stringify(event).includes('hunter2'), 'no secret leaves the agent');
  });
}
