// protocol/expression-vectors.json holds the control plane's checked trees; the Python agent's
// parser is tested against the same file (agent-python/tests), so the two cannot drift apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkExpression, checkTemplate } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';

interface Vectors {
  expressions: { source: string; expr: unknown }[];
  templates: { source: string; parts: unknown }[];
}

const vectors = JSON.parse(readFileSync(fromRoot('protocol/expression-vectors.json'), 'utf8')) as Vectors;

test("the control plane's checker still produces every tree in the shared expression vectors", () => {
  assert.ok(vectors.expressions.length >= 40);
  for (const { source, expr } of vectors.expressions) assert.deepEqual(checkExpression(source).expr, expr, source);
  for (const { source, parts } of vectors.templates) assert.deepEqual(checkTemplate(source).parts, parts, source);
});
