/**
 * The flags the agent gives a prepared file it does not bind (a bundle of prepared files): what
 * the file's header makes without the agent. Its `throw` sites construct `W` (`throw new $lpW(e, 0)`),
 * which gives back the thrown object, or throws a primitive again, as the header's own does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { unboundFlags } from '../../../agent/src/main/unbound-flags.js';
import { UNBOUND_EXCEPTION_SITES, UNBOUND_THROW } from '../../../agent/src/prepare/prepared-messages.js';

type Constructible = new (error: unknown, pass: 0) => unknown;

test("an unbound file's `new $lpW(e, 0)` gives back what a throw site passes, as a header without the agent does", () => {
  const { W } = unboundFlags(3, 1);
  const header = (runInNewContext(`({ ${UNBOUND_EXCEPTION_SITES} })`) as { W: Constructible }).W;
  const error = new Error('the app’s');
  const thrower = () => {};
  for (const construct of [W as unknown as Constructible, header]) {
    assert.equal(new construct(error, 0), error, 'an error goes on as it is');
    assert.equal(new construct(thrower, 0), thrower, 'so does a function');
    for (const primitive of ['text', 42, null, undefined, Symbol.for('s')])
      assert.throws(
        () => new construct(primitive, 0),
        (thrown: unknown) => thrown === primitive,
        'a primitive is thrown again',
      );
  }
  assert.equal(String(W), UNBOUND_THROW, "one text: the header's");
});

test('the flags of an unbound file stay off', () => {
  const flags = unboundFlags(3, 2);
  assert.deepEqual([...flags.S, ...flags.F, ...flags.X], [0, 0, 0, 0, 0, 0]);
});
