/**
 * What a prepared file's binding hands the worker: its sites in shared memory and, for a file
 * just prepared, the position table its preparing thread packed, shared too (posting them copies
 * nothing); and which build-prepared files have their script's head read to tell them from a bundle.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { PreparedRegistry } from '../../../agent/src/main/prepared-registry.js';
import { packTable } from '../../../agent/src/prepare/packed-table.js';
import { intsText, packedText } from '../../../agent/src/prepare/packed-text.js';
import type { PrebuiltFileReport, PreparedOutcomeReport, PreparedToWorker } from '../../../agent/src/prepare/prepared-messages.js';

const TARGET = {
  hit: () => {},
  count: () => undefined,
  readsPass: () => undefined,
  exceptionFlag: new Uint8Array(1),
  thrown: () => {},
  exceptionsAlwaysOn: () => {},
  onRearm: () => {},
};

const SITES = [3, 2, 0, 4, 2, 0];
const MAP = { 3: [0, 3, 0, 40, 3, 2] };

function registry(
  runsOutsideItsFile: (script: string) => boolean = () => false,
  moduleTable: (url: string) => Int32Array | undefined = () => undefined,
) {
  const { port1, port2 } = new MessageChannel();
  const reports: (PrebuiltFileReport | PreparedOutcomeReport)[] = [];
  const made = new PreparedRegistry(
    TARGET,
    port1,
    new Int32Array(new SharedArrayBuffer(4)),
    false,
    () => {},
    (report) => reports.push(report),
    runsOutsideItsFile,
    moduleTable,
  );
  const announced = (): PreparedToWorker[] => {
    const out: PreparedToWorker[] = [];
    for (let m = receiveMessageOnPort(port2); m !== undefined; m = receiveMessageOnPort(port2)) out.push(m.message as PreparedToWorker);
    return out;
  };
  return { registry: made, announced, reports, close: () => (port1.close(), port2.close()) };
}

test("a file's announcement carries its sites and the position table its preparing thread packed, in shared memory; the table stays for stack traces", () => {
  const { registry: r, announced, close } = registry();
  const table = packTable(MAP)!;
  r.expect(
    '/app/x.js',
    { code: '', sites: SITES, functions: 1, map: MAP, siteNames: { names: [], lists: [], bySite: [] }, functionsReport: [] },
    table,
  );
  const flags = r.file('/app/x.js');
  const [file] = announced().filter((m) => m.t === 'file');
  assert.ok(file !== undefined && file.t === 'file');
  assert.ok(file.sites instanceof Int32Array && file.sites.buffer instanceof SharedArrayBuffer, 'the sites are shared, not cloned');
  assert.deepEqual([...file.sites], SITES);
  assert.ok(file.table?.buffer instanceof SharedArrayBuffer, 'the table is shared, not cloned');
  // One line (3), its triples from index 4 to 10 (packed-table.ts).
  assert.deepEqual([...file.table], [1, 3, 4, 10, ...MAP[3]]);
  assert.equal(r.tableOf('/app/x.js'), table, 'stack traces read the memory the worker reads');
  assert.equal(flags.F.length, 1);
  close();
});

test("an ES module prepared as it loads is announced with the table the hooks' thread packed; a build-prepared file with the table it passed, packed as it binds", () => {
  const table = packTable(MAP)!;
  const asked: string[] = [];
  const {
    registry: r,
    announced,
    close,
  } = registry(
    () => false,
    (url) => (asked.push(url), url === 'file:///app/x.mjs' ? table : undefined),
  );
  // Its flags module passes no table of its own: the hooks' packed one is there.
  r.file('file:///app/x.mjs', SITES, 1, null, undefined, undefined, null);
  // As a build's data gives it (a build by an older transform too): an object.
  r.file('file:///app/y.mjs.lp-flags.mjs', SITES, 1, MAP, 'y.mjs.lp.map', 1, null);
  const files = announced().flatMap((m) => (m.t === 'file' ? [m] : []));
  assert.deepEqual(asked, ['file:///app/x.mjs'], 'a build-prepared module has no table to take from the hooks');
  close();
  assert.ok(files[0]?.table?.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...files[0].table], [...table]);
  assert.ok(files[1]?.table?.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...files[1].table], [...table]);
  // Stack traces read the same tables.
  assert.equal(r.tableOf('file:///app/x.mjs'), table);
  assert.deepEqual([...r.tableOf('file:///app/y.mjs')!], [...table]);
});

test('a file prepared at build time passes its table packed as text: decoded into shared memory as it binds, the same table', () => {
  const { registry: r, announced, close } = registry();
  r.file('/app/z.js', SITES, 1, null, 'z.js.lp.map', 1, null, 1, packedText(MAP));
  const [file] = announced().filter((m) => m.t === 'file');
  close();
  assert.ok(file !== undefined && file.t === 'file');
  assert.ok(file.table?.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...file.table], [...packTable(MAP)!]);
  assert.deepEqual([...r.tableOf('/app/z.js')!], [...packTable(MAP)!], 'stack traces read the table too');
});

test('a file prepared at build time passes its sites packed as text: decoded into shared memory as it binds, the same sites; damaged, it binds none', () => {
  const { registry: r, announced, close } = registry();
  const names = JSON.stringify({ names: ['a'], lists: [[0]], bySite: [0, 0] });
  const flags = r.file('/app/s.js', [], 1, null, 's.js.lp.map', 1, null, 1, packedText(MAP), intsText(Int32Array.from(SITES)), names);
  const damaged = r.file(
    '/app/t.js',
    [],
    1,
    null,
    't.js.lp.map',
    1,
    null,
    1,
    packedText(MAP),
    intsText(Int32Array.from(SITES)).slice(4),
    names,
  );
  const [file, other] = announced().filter((m) => m.t === 'file');
  close();
  assert.ok(file !== undefined && file.t === 'file' && (file.sites as Int32Array).buffer instanceof SharedArrayBuffer);
  assert.deepEqual(Array.from(file.sites), SITES);
  assert.equal(flags.S.length, 2, 'a flag per site');
  assert.ok(other !== undefined && other.t === 'file');
  assert.deepEqual(Array.from(other.sites), []);
  assert.equal(damaged.S.length, 0);
});

test('a file prepared at build time whose packed table is damaged still binds, without a table', () => {
  const { registry: r, announced, close } = registry();
  const flags = r.file('/app/d.js', SITES, 1, null, 'd.js.lp.map', 1, null, 1, `${packedText(MAP).slice(0, -4)}`);
  const [file] = announced().filter((m) => m.t === 'file');
  close();
  assert.equal(flags.F.length, 1, 'its sites bind');
  assert.ok(file !== undefined && file.t === 'file' && file.table === undefined);
  assert.equal(r.tableOf('/app/d.js'), undefined);
});

test("a build-prepared ES module binds without its script being read; a CommonJS file's, and a module bundled under the bundle's URL, are read", () => {
  const read: string[] = [];
  const {
    registry: r,
    announced,
    reports,
    close,
  } = registry((script) => {
    read.push(script);
    return script.endsWith('bundle.mjs');
  });
  r.file('file:///app/x.mjs.lp-flags.mjs', SITES, 1, MAP, 'x.mjs.lp.map', 1, null);
  r.file('/app/y.js', SITES, 1, MAP, 'y.js.lp.map', 1, null);
  r.file('file:///app/bundle.mjs', SITES, 1, MAP, 'z.mjs.lp.map', 1, null);
  assert.deepEqual(read, ['/app/y.js', 'file:///app/bundle.mjs']);
  assert.deepEqual(
    announced().flatMap((m) => (m.t === 'file' ? [m.path] : [])),
    ['file:///app/x.mjs', '/app/y.js'],
    'the bundle binds no sites',
  );
  assert.ok(reports.some((report) => report.path === 'file:///app/bundle.mjs' && report.kind === 'failed'));
  close();
});
