/**
 * Which parser `liveprobe prepare` picks for a thread's share of the input, and that oxc-parser's
 * AST as JSON (Node 20, a small tree) prepares a file exactly as acorn does, non-ASCII text included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareForBuild } from '@liveprobe/agent/prepare';
import { chooseParser, OXC_JSON_MAX_BYTES_PER_THREAD } from '../../../cli/src/prepare/oxc-parse.js';

const RAW_TRANSFER = Number(process.versions.node.split('.')[0]) >= 22;

test('a small share of input parses with oxc-parser, a large one with acorn where raw transfer is missing', async () => {
  const small = await chooseParser(OXC_JSON_MAX_BYTES_PER_THREAD - 1);
  const large = await chooseParser(OXC_JSON_MAX_BYTES_PER_THREAD);
  if (RAW_TRANSFER) {
    assert.equal(small.choice.name, 'oxc-raw-transfer');
    assert.equal(large.choice.name, 'oxc-raw-transfer');
    return;
  }
  assert.equal(small.choice.name, 'oxc-parser');
  assert.notEqual(small.parse, undefined);
  assert.match(small.choice.reason ?? '', /needs Node 22 or later .*under 6 MB per thread/);
  assert.equal(large.choice.name, 'acorn');
  assert.equal(large.parse, undefined);
  assert.match(large.choice.reason ?? '', /needs Node 22 or later .*the output is the same/);
});

test('the chosen oxc parser prepares what acorn prepares, offsets past non-ASCII text and both module kinds', async () => {
  const { parse } = await chooseParser(0);
  assert.notEqual(parse, undefined);
  const sources = [
    {
      kind: 'commonjs' as const,
      source:
        '// café, naïve — 日本語 😀\nconst greet = (name) => `héllo ${name} 😀`;\nfunction twice(x) {\n  const y = x * 2; // ü\n  return greet(y);\n}\nmodule.exports = { twice };\n',
    },
    {
      kind: 'module' as const,
      source:
        "/* ünïcode */ export function sum(a, b) {\n  const label = 'Σ';\n  return label + (a + b);\n}\nexport class Box { get 'é'() { return 1; } }\n",
    },
  ];
  for (const { kind, source } of sources) {
    const withAcorn = prepareForBuild({ source, kind, name: 'input.js' });
    const withOxc = prepareForBuild({ source, kind, name: 'input.js', parser: parse! });
    assert.deepEqual(withOxc, withAcorn, kind);
  }
  assert.throws(() => prepareForBuild({ source: 'function (', kind: 'commonjs', name: 'bad.js', parser: parse! }));
});
