// What the checker refuses before any agent sees an expression: the agent's own names, and
// bigint work that is too much whatever the application's values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExpression, checkTemplate, ExpressionError, MAX_BIGINT_BITS, RESERVED_PREFIX } from '@liveprobe/protocol';

function refusal(source: string, check: (s: string) => unknown = checkExpression): ExpressionError {
  try {
    check(source);
  } catch (err) {
    assert.ok(err instanceof ExpressionError, String(err));
    return err;
  }
  assert.fail(`${source} was accepted`);
}

test("the agent's own names ($lp…) are refused with the reserved prefix named, wherever they appear", () => {
  assert.equal(RESERVED_PREFIX, '$lp');
  for (const source of ['$lp$v', '$lp$h.NA', '$lp$hook', 'user[$lp$v]', 'len($lpF)', 'a ? $lpS : b', '[$lp]', 'x.includes($lp$v)']) {
    const err = refusal(source);
    assert.match(
      err.message,
      /^name `\$lp[^`]*` at column \d+ of .*: names starting with `\$lp` are reserved for the liveprobe agent's own code/,
    );
  }
  const inTemplate = refusal('values {$lp$v} and {user.name}', checkTemplate);
  assert.equal(inTemplate.position, 8);
  // Only the prefix is reserved: a property of that name, or a similar app name, is the app's.
  assert.deepEqual(checkExpression('obj.$lp$v').roots, ['obj']);
  assert.deepEqual(checkExpression('$l + lp$v + _$lp').roots, ['$l', 'lp$v', '_$lp']);
});

test('constant bigint work past the bound is refused before it reaches an agent', () => {
  for (const [source, reason] of [
    ['(3n ** 100000n) ** 300n', /the result would have about \d+ bits; a probe computes bigints of at most 65536 bits/],
    ['2n ** 70000n', /the result would have about 140000 bits/],
    ['(1n << 60000n) * (1n << 60000n)', /the result would have about 120002 bits/],
    ['1n << 70000n', /the result would have about 70001 bits/],
    ['1n >> -70000n', /the result would have about 70001 bits/],
    ['x ** 100000n', /raising or shifting by 100000 gives more than 65536 bits/],
    ['x << 1000000n', /raising or shifting by 1000000 gives more than 65536 bits/],
    ['x >> -1000000n', /raising or shifting by 1000000 gives more than 65536 bits/],
    ['a > 0 && -((3n ** 40000n) * (3n ** 40000n)) < 0n', /the result would have about \d+ bits/],
  ] as const) {
    assert.match(refusal(source).message, reason, source);
  }
  for (const source of ['3n ** 20000n', '(1n << 30000n) * (1n << 30000n)', 'x ** 2n', 'x << 64n', '1n ** 10000000n', '0n << 100000000n']) {
    assert.doesNotThrow(() => checkExpression(source), source);
  }
  assert.equal(MAX_BIGINT_BITS, 65_536);
});
