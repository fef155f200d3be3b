// The work of one evaluation is bounded whatever the expression and whatever the app holds:
// bigint operands and results, strings built with `+`, and the steps of the whole evaluation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExpression, checkTemplate } from '@liveprobe/protocol';
import { compileExpression, compileTemplate, type TextOptions } from '../../../agent/src/main/compile.js';
import { MAX_BUILT_STRING, MAX_EVALUATION_STEPS } from '../../../agent/src/main/eval-work.js';
import { Redaction } from '../../../agent/src/main/redaction.js';
import { ProbeEvalError } from '../../../agent/src/main/safe-read.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';

const text: TextOptions = {
  limits: DEFAULT_CAPTURE_LIMITS,
  redaction: new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] }),
};

function run(source: string, scope: Record<string, unknown>): { value?: unknown; error?: string } {
  const checked = checkExpression(source);
  try {
    return { value: compileExpression(checked.expr, checked.roots, text)({ values: checked.roots.map((r) => scope[r]), self: undefined }) };
  } catch (err) {
    assert.ok(err instanceof ProbeEvalError, String(err));
    return { error: err.message };
  }
}

const huge = 3n ** 100_000n; // 158,497 bits: an app may hold one
const big = 3n ** 30_000n; // 47,549 bits: within the bound

test('bigint operations past the bound stop at the hit with an error naming the limit', () => {
  const scope = { huge, big, e: 300n, n: 70_000n, small: 12n, m: -70_000n };
  for (const [source, reason] of [
    ['huge ** e', /`\*\*`: an operand has more than 65536 bits; a probe computes bigints of at most 65536 bits/],
    ['big ** e', /`\*\*`: the result would have about 14264700 bits; a probe computes bigints of at most 65536 bits/],
    ['big * big', /`\*`: the result would have about 95098 bits/],
    ['small << n', /`<<`: the result would have about 70004 bits/],
    ['small >> m', /`>>`: the result would have about 70004 bits/],
    ['huge + 1n', /an operand has more than 65536 bits/],
    ['huge % small', /an operand has more than 65536 bits/],
    ['-huge', /`-`: an operand has more than 65536 bits/],
    ['~huge', /`~`: an operand has more than 65536 bits/],
  ] as const) {
    assert.match(run(source, scope).error ?? 'no error', reason, source);
  }
  // Within the bound, bigints compute; comparing a huge one costs one pass and is allowed.
  assert.equal(run('big * small > big', scope).value, true);
  assert.equal(run('small ** 100n', scope).value, 12n ** 100n);
  assert.equal(run('huge > big', scope).value, true);
});

test('a string built with `+` past 1 MiB characters is refused; long strings cost steps', () => {
  const half = 'x'.repeat(MAX_BUILT_STRING / 2 + 1);
  assert.match(
    run('s + s', { s: half }).error ?? '',
    /`\+`: the string would have 1048578 characters; a probe builds strings of at most 1048576/,
  );
  assert.equal(run('s + "!"', { s: 'ok' }).value, 'ok!');
  // Six comparisons of 1 MiB strings are 6 × 16,384 steps: over the evaluation's budget.
  const long = 'y'.repeat(MAX_BUILT_STRING);
  const other = `${'y'.repeat(MAX_BUILT_STRING - 1)}z`;
  assert.equal(run('a === b', { a: long, b: other }).value, false);
  assert.match(
    run('a === b || a === b || a === b || a === b || a === b || a === b || a === b', { a: long, b: other }).error ?? '',
    new RegExp(`did more than ${MAX_EVALUATION_STEPS} steps of work`),
  );
});

test('scanning arrays counts toward the steps of one evaluation, and each evaluation starts afresh', () => {
  const items = Array.from({ length: 10_000 }, (_, i) => i);
  const scan = (count: number) => Array.from({ length: count }, () => 'items.includes(-1)').join(' || ');
  assert.equal(run(scan(9), { items }).value, false);
  assert.match(
    run(scan(11), { items }).error ?? '',
    /the expression did more than 100000 steps of work \(nodes, items scanned, characters compared\)/,
  );
  // The next evaluation has its whole budget again.
  assert.equal(run(scan(9), { items }).value, false);
  // In a log line, each placeholder is one evaluation: the failing one says why, the others print.
  const template = checkTemplate(`a {${scan(11)}} b {len(items)}`);
  const errors: string[] = [];
  const line = compileTemplate(template.parts, template.roots, (m) => errors.push(m), text)({ values: [items], self: undefined });
  assert.match(line, /^a <the expression did more than 100000 steps.*> b 10000$/);
  assert.equal(errors.length, 1);
});

test('a bigint too long to print is described instead of converted', () => {
  const checked = checkTemplate('{huge} {big} {small}');
  const line = compileTemplate(checked.parts, checked.roots, () => undefined, text)({ values: [huge, big, 12n], self: undefined });
  assert.equal(
    line,
    '<unavailable: a bigint of more than 4096 bits, too long to print> <unavailable: a bigint of more than 4096 bits, too long to print> 12n',
  );
});
