/**
 * `liveprobe prepare` on Node 22 and 24 (oxc-parser's raw transfer) against the Node running the
 * tests (CI's 20: oxc-parser's AST as JSON, the tree being small): the report names the parser each used, and the output folders of real
 * libraries are the same byte for byte, so a build machine's Node version never changes what runs.
 */
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, libraryTree, readTree, tempDir } from '../helpers/index.js';
import { nodeBinary, PINNED_MAJORS, testsMajor } from './node-binaries.js';

const NO_SERVER = 'http://127.0.0.1:9';

interface Report {
  parser: { name: string; reason?: string };
  files: { path: string; outcome: string; reason?: string }[];
}

async function prepare(node: string, input: string, out: string): Promise<Report> {
  const result = await cli(['prepare', input, '--out', out, '--json'], { server: NO_SERVER, node, timeoutMs: 120_000 });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Report;
}

for (const major of PINNED_MAJORS) {
  test(`on Node ${major}, \`liveprobe prepare\` parses with oxc-parser's raw transfer and writes, byte for byte, what Node ${testsMajor} writes`, async (t) => {
    const node = nodeBinary(major);
    const dir = await tempDir(`liveprobe-prepare-node${major}-`);
    t.after(() => dir.remove());
    const input = join(dir.path, 'input');
    libraryTree(input);

    const here = await prepare(process.execPath, input, join(dir.path, 'here'));
    const there = await prepare(node, input, join(dir.path, 'there'));
    assert.equal(there.parser.name, 'oxc-raw-transfer', JSON.stringify(there.parser));
    assert.equal(here.parser.name, testsMajor < 22 ? 'oxc-parser' : 'oxc-raw-transfer', JSON.stringify(here.parser));
    if (testsMajor < 22) assert.match(here.parser.reason ?? '', /needs Node 22 or later .*this is Node 20\./);
    // Same outcome for every file; only the parse error's wording (each parser's own) may differ.
    const outcomes = (report: Report) => report.files.map((f) => `${f.path} ${f.outcome} ${f.reason?.startsWith('cannot parse:') ?? ''}`);
    assert.deepEqual(outcomes(there), outcomes(here));
    assert.ok(there.files.filter((f) => f.outcome === 'prepared').length >= 10, JSON.stringify(there.files));
    assert.ok(there.files.some((f) => f.path === 'legacy.js' && f.outcome === 'untouched'));
    const written = readTree(join(dir.path, 'here'));
    assert.ok(
      Object.keys(written).some((path) => path.endsWith('.lp.map')),
      'composed maps written',
    );
    assert.deepEqual(readTree(join(dir.path, 'there')), written);

    // The readable report says which parser, too.
    const small = join(dir.path, 'small');
    cpSync(join(input, 'legacy.js'), join(small, 'legacy.js'));
    writeFileSync(join(small, 'app.js'), 'function twice(x) {\n  return x * 2;\n}\nconsole.log(twice(2));\n');
    const readable = await cli(['prepare', small], { server: NO_SERVER, node });
    assert.equal(readable.code, 0, readable.stderr);
    assert.ok(readable.stdout.split('\n').includes("parsed with oxc-parser's raw transfer"), readable.stdout);
  });
}
