// The breakpoint condition as V8 runs it: in the probed frame's scope, which holds the app's
// locals, closures, module bindings and globals. Here the condition source the engine builds is
// evaluated with a direct eval inside real functions (what V8 does for a condition), over
// random expressions and trap-filled values, with getters on the global object, on its
// prototype and shadowed by locals: no app code runs, and every evaluation stays in its bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkExpression, ExpressionError, MAX_BIGINT_BITS, MAX_EXPRESSION_LENGTH } from '@liveprobe/protocol';
import { bigintBits } from '@liveprobe/protocol/expression/bounds';
import { HOOK_GLOBAL } from '../../../agent/src/bridge.js';
import { compileExpression, type TextOptions } from '../../../agent/src/main/compile.js';
import { MAX_BUILT_STRING } from '../../../agent/src/main/eval-work.js';
import { guardGlobal, readGlobal } from '../../../agent/src/main/global-read.js';
import { NOT_AVAILABLE } from '../../../agent/src/main/frame-markers.js';
import { Redaction } from '../../../agent/src/main/redaction.js';
import { ProbeEvalError } from '../../../agent/src/main/safe-read.js';
import { globalNamesAt, readKindsAt } from '../../../agent/src/locate/global-names.js';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';
import { conditionSource } from '../../../agent/src/worker/condition-source.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../agent/src/settings/capture-settings.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../../../agent/src/settings/redaction-settings.js';
import { build, shape, TEMPTING_KEYS, TrapFired } from '../main/trap-graph.js';

const text: TextOptions = {
  limits: DEFAULT_CAPTURE_LIMITS,
  redaction: new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] }),
};

/** What the app's code runs when a trap of the test fires: recorded, and thrown like a hostile getter would. */
const fired: string[] = [];
const trap = (what: string) => (): never => {
  // Not push: one test replaces Array.prototype.push with a trap.
  fired[fired.length] = what;
  throw new TrapFired(what);
};

/**
 * A probed program: module bindings, a closure and a function's locals, each holding values of
 * the test; `g2` and `Symbol` shadow globals. `eval(condition)` stands where V8 evaluates the
 * breakpoint condition, in the same scope.
 */
const PROGRAM = `
const m0 = S[0]; let m1 = S[1]; const mHuge = S[8];
function outer(c0) {
  const c1 = S[3]; const cLong = S[9];
  return function inner(l0) {
    const l1 = S[5]; const g2 = S[6]; const Symbol = S[10]; const lBig = S[11];
    return eval(CONDITION);
  };
}
return outer(S[2]).call(S[7], S[4]);
`;
const run = new Function('S', 'CONDITION', PROGRAM) as (values: unknown[], condition: string) => unknown;
const analysed = analyseSource(PROGRAM)!;
const CONDITION_AT = PROGRAM.indexOf('eval(CONDITION)');
const NAMES = ['m0', 'm1', 'mHuge', 'c0', 'c1', 'cLong', 'l0', 'l1', 'lBig', 'g0', 'g1', 'g2', 'g3', 'Symbol', 'process', 'nowhere'];

interface Hit {
  values: unknown[];
  self: unknown;
}

/** Installs the hook the condition calls (a stand-in recording the hit) and the global getters; undoes both after. */
function withGlobals(body: (hits: Hit[]) => void): void {
  const hits: Hit[] = [];
  const hook = {
    NA: NOT_AVAILABLE,
    global: readGlobal,
    guard: guardGlobal,
    hit: (_key: number, values: unknown[], self: unknown) => {
      hits[hits.length] = { values, self };
    },
  };
  const define = (target: object, name: string, descriptor: PropertyDescriptor) =>
    Object.defineProperty(target, name, { configurable: true, ...descriptor });
  define(globalThis, HOOK_GLOBAL, { value: hook });
  define(globalThis, 'g0', { get: trap('global getter g0') });
  define(globalThis, 'g1', { value: { id: 1, password: 'hunter2' }, writable: true });
  define(globalThis, 'g2', { get: trap('global getter g2 (shadowed by a local)') });
  define(Object.prototype, 'g3', { get: trap('getter g3 on the global object prototype') });
  try {
    body(hits);
  } finally {
    for (const name of [HOOK_GLOBAL, 'g0', 'g1', 'g2']) delete (globalThis as Record<string, unknown>)[name];
    delete (Object.prototype as Record<string, unknown>).g3;
  }
}

/** Random expressions over the program's names, with operators that build big values. */
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...NAMES, 'this', 'arguments'),
    fc.constantFrom('1', '"x"', '2n', '300n', '70000n', 'null', 'undefined', '(-1n)'),
    fc.tuple(tie('e'), fc.constantFrom(...TEMPTING_KEYS)).map(([o, k]) => (/^\d/.test(k) ? `(${o})[${k}]` : `(${o})?.${k}`)),
    fc
      .tuple(tie('e'), fc.constantFrom('**', '*', '<<', '>>', '+', '-', '%', '===', '==', '<', '&&', '??'), tie('e'))
      .map(([a, op, b]) => `(${a}) ${op} (${b})`),
    // Big values meeting the operators that grow them, often enough to matter.
    fc
      .tuple(
        fc.constantFrom('mHuge', 'lBig', 'cLong', '2n', '300n', '70000n'),
        fc.constantFrom('**', '*', '<<', '>>', '+', '%', '===', '<'),
        fc.constantFrom('mHuge', 'lBig', 'cLong', '2n', '300n', '(-70000n)'),
      )
      .map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(fc.constantFrom('len', 'keys', 'str'), tie('e')).map(([h, a]) => `${h}(${a})`),
    fc.tuple(tie('e'), fc.constantFrom('includes', 'startsWith'), tie('e')).map(([t, m, a]) => `(${t})?.${m}(${a})`),
    fc.tuple(fc.constantFrom('-', '~', '!', 'typeof '), tie('e')).map(([op, a]) => `${op}(${a})`),
  ),
})).e;

/** What the app may hold: a bigint past the bound. Reading it is allowed; computing with it is not. */
const HUGE = 3n ** 100_000n;

/** The bound every value an evaluation produces stays within. */
function withinBound(value: unknown): boolean {
  if (typeof value === 'bigint') return bigintBits(value) <= MAX_BIGINT_BITS || value === HUGE;
  if (typeof value === 'string') return value.length <= MAX_BUILT_STRING;
  return true;
}

/** 1,500 in every `npm test`; LIVEPROBE_FUZZ_RUNS runs more (docs/security.md records a long run). */
const RUNS = Number(process.env.LIVEPROBE_FUZZ_RUNS ?? 1500);
let refusedStatically = 0;

test(`property: ${RUNS} random conditions in a real scope chain never run a getter, a trap or a conversion of the app, and stay in bound`, () => {
  withGlobals((hits) => {
    fc.assert(
      fc.property(expression, fc.array(shape, { minLength: 8, maxLength: 8 }), fc.boolean(), (source, shapes, analysedFile) => {
        fc.pre(source.length <= MAX_EXPRESSION_LENGTH);
        let checked: ReturnType<typeof checkExpression>;
        try {
          checked = checkExpression(source);
        } catch (err) {
          // Refused before any agent sees it (a constant bigint past the bound): nothing to run.
          assert.ok(err instanceof ExpressionError, String(err));
          refusedStatically++;
          return;
        }
        const graphs = shapes.map(build);
        const values = [
          ...graphs.slice(0, 8).map((g) => g.root),
          HUGE,
          'z'.repeat(600_000),
          { for: trap('Symbol.for of a local named Symbol') },
          3n ** 30_000n,
        ];
        const globals = analysedFile ? readKindsAt(analysed, CONDITION_AT, checked.roots) : undefined;
        const condition = conditionSource(1, checked.roots, checked.usesThis, globals);
        hits.length = 0;
        fired.length = 0;
        const result = run(values, condition);
        assert.ok(!result, 'a condition never pauses');
        assert.equal(hits.length, 1, `${source}: the hook got the hit`);
        const { values: read, self } = hits[0]!;
        assert.equal(read.length, checked.roots.length);
        let value: unknown;
        try {
          value = compileExpression(checked.expr, checked.roots, text)({ values: read, self });
        } catch (err) {
          assert.ok(err instanceof ProbeEvalError, `${source} threw ${String(err)}`);
        }
        assert.ok(withinBound(value), `${source}: a value past the bound`);
        assert.deepEqual(fired, [], `${source}: app code ran`);
        for (const g of graphs) assert.deepEqual(g.fired, [], `${source}: a trap fired`);
      }),
      { numRuns: RUNS },
    );
  });
  // Most runs reach the evaluator; some the checker refused already.
  assert.ok(refusedStatically < RUNS / 4, `${refusedStatically} of ${RUNS} refused statically`);
});

test('globals are read without their getters; a local that shadows a global getter is read as the local', () => {
  withGlobals((hits) => {
    const evaluate = (source: string, analysedFile: boolean) => {
      const checked = checkExpression(source);
      const globals = analysedFile ? readKindsAt(analysed, CONDITION_AT, checked.roots) : undefined;
      hits.length = 0;
      run([1, 2, 3, 4, 5, 6, 'local g2', 8, 9n, 'long', 'local Symbol', 12n], conditionSource(1, checked.roots, checked.usesThis, globals));
      try {
        return compileExpression(checked.expr, checked.roots, text)(hits[0]!);
      } catch (err) {
        return (err as Error).message;
      }
    };
    assert.deepEqual(globalNamesAt(analysed, CONDITION_AT, ['m0', 'c1', 'l0', 'g0', 'g2', 'Symbol', 'process', 'arguments']), [
      'g0',
      'process',
    ]);
    for (const analysedFile of [true, false]) {
      assert.equal(evaluate('g0', analysedFile), '`g0` is a getter of the global object; liveprobe never runs getters');
      assert.equal(evaluate('g3', analysedFile), '`g3` is a getter of the global object; liveprobe never runs getters');
      assert.equal(evaluate('g1.id', analysedFile), 1);
      assert.equal(evaluate('str(g1)', analysedFile), '{ id: 1, password: [REDACTED] }');
      // The runtime's own lazy globals (process, Buffer…), there before any app code, are read.
      assert.equal(evaluate('typeof process.pid', analysedFile), 'number');
      assert.equal(evaluate('m0 + c1 + l0', analysedFile), 1 + 4 + 5);
      assert.equal(evaluate('Symbol', analysedFile), 'local Symbol');
    }
    // Analysed, the local g2 is known to shadow the global getter; unanalysed, the agent refuses rather than risk it.
    assert.equal(evaluate('g2', true), 'local g2');
    assert.equal(evaluate('g2', false), '`g2` is a getter of the global object; liveprobe never runs getters');
    assert.deepEqual(fired, []);
  });
});

test("the agent's own names are out of reach at run time too, and the condition looks nothing up the app could replace", () => {
  withGlobals((hits) => {
    // Past the checker (it refuses these), the condition still never hands over the agent's objects.
    for (const globals of [{ $lp$hook: 'global', $lp$v: 'global', $lp$h: 'global' } as const, undefined]) {
      run([], conditionSource(1, ['$lp$hook', '$lp$v', '$lp$h'], false, globals));
      assert.ok(
        hits[0]!.values.every((v) => typeof v === 'symbol'),
        `the agent's names read as markers, never values: ${hits[0]!.values.map((v) => typeof v).join(', ')}`,
      );
      hits.length = 0;
    }
    const source = conditionSource(7, ['l0'], true, { l0: 'local' });
    assert.doesNotMatch(source, /globalThis|Symbol|\.push|\$lp\$[vh]\b/);
    // Array.prototype.push and Symbol.for replaced by the app: the condition still reaches the hook and calls neither.
    const push = Array.prototype.push;
    const symbolFor = Symbol.for;
    Array.prototype.push = trap('Array.prototype.push');
    Symbol.for = trap('Symbol.for');
    try {
      run([0, 0, 0, 0, 'l0 value'], source);
    } finally {
      Array.prototype.push = push;
      Symbol.for = symbolFor;
    }
    assert.deepEqual(hits[0]!.values, ['l0 value']);
    assert.deepEqual(fired, []);
  });
});

test('a value at the bound itself is accepted by the fuzz check', () => {
  assert.equal(withinBound(1n << BigInt(MAX_BIGINT_BITS - 1)), true);
  assert.equal(withinBound(1n << BigInt(MAX_BIGINT_BITS)), false);
  assert.equal(withinBound('x'.repeat(MAX_BUILT_STRING + 1)), false);
});
