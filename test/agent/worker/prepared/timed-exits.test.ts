/**
 * Duration on prepared sites: which functions prepared sites can time exactly as the
 * breakpoint path does, checked against the return positions V8 itself reports.
 */
import assert from 'node:assert/strict';
import { Session } from 'node:inspector/promises';
import { test } from 'node:test';
import { runInThisContext } from 'node:vm';
import { childrenOf, type AstNode } from '../../../../agent/src/prepare/ast.js';
import { timedExits, type TimedExits, type UntimedExit } from '../../../../agent/src/worker/prepared/timed-exits.js';
import { functionsNamed, type FunctionRange } from '../../../../agent/src/locate/function-range.js';
import { analyseSource, positionOf, type AnalysedSource } from '../../../../agent/src/locate/source-analysis.js';

function exitsOf(source: string, name: string): { analysed: AnalysedSource; exits: TimedExits | UntimedExit } {
  const analysed = analyseSource(source);
  assert.ok(analysed, 'parses');
  const [fn] = functionsNamed(analysed, name);
  assert.ok(fn, `function ${name}`);
  return { analysed, exits: timedExits(analysed, fn) };
}

/** The statement that starts at `offset` (V8 stops for a `return` at its end). */
function statementAt(analysed: AnalysedSource, offset: number): AstNode {
  const visit = (node: AstNode): AstNode | undefined => {
    if (node.start === offset && node.type.endsWith('Statement')) return node;
    for (const child of childrenOf(node)) {
      if (child.start <= offset && offset < child.end) return visit(child);
    }
    return undefined;
  };
  const found = visit(analysed.program as unknown as AstNode);
  assert.ok(found, `a statement at ${offset}`);
  return found;
}

/**
 * Runs `source` (an expression holding `count` functions) with a debugger session, and `use` with
 * the session and the script's id: V8 reports positions only in functions it has seen and still holds.
 */
async function debugged(
  source: string,
  url: string,
  count: number,
  use: (session: Session, scriptId: string) => Promise<void>,
): Promise<void> {
  const session = new Session();
  session.connect();
  let scriptId = '';
  session.on('Debugger.scriptParsed', (m) => {
    if (m.params.url === url) scriptId = m.params.scriptId;
  });
  await session.post('Debugger.enable');
  const held: unknown = runInThisContext(source, { filename: url });
  try {
    await use(session, scriptId);
  } finally {
    session.disconnect();
  }
  assert.equal((held as unknown[]).length, count);
}

/**
 * Runs `source` (an expression holding the functions named) with a debugger session, and gives
 * each function's exits as V8 reports them (`line:column`, from its body's start to `end(fn)`)
 * beside ours, found from the function's `analysed` exits by `ours`.
 */
async function returnsBeside(
  source: string,
  url: string,
  names: readonly string[],
  end: (fn: FunctionRange) => number,
  ours: (analysed: AnalysedSource, fn: FunctionRange, exits: TimedExits) => string[],
): Promise<void> {
  await debugged(source, url, names.length, async (session, scriptId) => {
    for (const name of names) {
      const { analysed, exits } = exitsOf(source, name);
      assert.ok(!('why' in exits), `${name}: ${'why' in exits ? exits.why : ''}`);
      const [fn] = functionsNamed(analysed, name);
      const from = positionOf(analysed, fn!.bodyStart);
      const to = positionOf(analysed, end(fn!));
      const { locations } = await session.post('Debugger.getPossibleBreakpoints', {
        start: { scriptId, lineNumber: from.line - 1, columnNumber: from.column },
        end: { scriptId, lineNumber: to.line - 1, columnNumber: to.column },
        restrictToFunction: true,
      });
      const v8 = locations.filter((l) => l.type === 'return').map((l) => `${l.lineNumber + 1}:${l.columnNumber}`);
      assert.deepEqual(ours(analysed, fn!, exits), v8, `${name}: our exits are where V8 returns`);
      assert.deepEqual(exits.throws, fn!.throws, name);
    }
  });
}

const at = (analysed: AnalysedSource, offset: number): string => {
  const p = positionOf(analysed, offset);
  return `${p.line}:${p.column}`;
};

const TIMED = `
function risky(fail) {
  if (fail) {
    throw new Error('boom');
  }
  return 'ok';
}
async function work(ms) {
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const waited = Date.now() - started;
  return waited;
}
function pick(a, b) {
  'use strict';
  function helper() { return b(); }
  if (a) return a;
  else { return -1; }
}
function search(xs, wanted) {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x === wanted) return x;
  }
  throw new RangeError('not found');
}
function nothing(x) {
  if (x) return;
  return undefined;
}
function handle(req, res) {
  if (!req) return;
  res.push(req);
}
async function drain(queue) {
  while (queue.length > 0) await queue.shift();
}
`;

test('prepared sites time a function whose returns compute nothing and whose end is unreachable or has its end site, at the positions V8 reports', async () => {
  const names = ['risky', 'work', 'pick', 'search', 'nothing', 'handle', 'drain'];
  const source = `(function () {${TIMED}return [${names.join(', ')}];})()`;
  // A `return` stops at its statement's end; falling off the end, at the closing brace (the end site).
  await returnsBeside(
    source,
    'liveprobe-timed-exits-fixture.js',
    names,
    (fn) => fn.bodyEnd,
    (analysed, fn, exits) =>
      exits.returns.map((offset) => at(analysed, offset === fn.bodyEnd - 1 ? offset : statementAt(analysed, offset).end)),
  );
});

test('an expression-bodied arrow whose body is a call, `new` or `await` is timed from its body to its end, where V8 reports its return', async () => {
  const arrows = [
    'const send = (x) => String(x);',
    'const load = async (id) => // by id',
    '  await fetchIt(',
    '    id);',
    'const make = (n) => new Array(n), other = 1;',
    'function fetchIt(id) { return id; }',
  ].join('\n');
  const names = ['send', 'load', 'make'];
  const source = `(function () {\n${arrows}\nreturn [${names.join(', ')}];})()`;
  // V8's return is at the body's end, which an end of `bodyEnd` leaves out.
  await returnsBeside(
    source,
    'liveprobe-timed-arrows-fixture.js',
    names,
    (fn) => fn.bodyEnd + 1,
    (analysed, fn, exits) => {
      assert.equal(exits.entry, fn.bodyStart, 'timed from its body');
      return exits.returns.map((offset) => at(analysed, offset));
    },
  );
});

const COMPUTED = `
function sum(a, b) {
  if (a < 0) return;
  return a + b;
}
async function load(q, id) {
  const row = await q(id);
  return await q(row)
}
function* numbers(n) {
  yield 1;
  return n * 2;
}
function choose(k, x) {
  switch (k) {
    case 1: let y = x; return y + 1;
    case 2: return x.name;
  }
  return 0;
}
function labelled(x) {
  out: {
    if (x) break out;
    return String(x);
  }
  return later;
}
function outer(n) {
  const inner = () => { return n + 1; };
  return inner() * 2;
}
function maker(x) {
  if (x) return (y) => x + y;
  return [function () { return x; }, class { m() {} }];
}
const calls = [() => later, function follows(x) { return x * 2; }];
let later = 1;
`;

test("a return that computes its value is timed at its exit site, after the value, where V8 reports the return; returns of nested functions are not the outer one's", async () => {
  const names = ['sum', 'load', 'numbers', 'choose', 'labelled', 'outer', 'maker', 'follows'];
  const source = `(function () {${COMPUTED}return [sum, load, numbers, choose, labelled, outer, maker, calls[1]];})()`;
  await returnsBeside(
    source,
    'liveprobe-timed-computed-fixture.js',
    names,
    (fn) => fn.bodyEnd,
    (analysed, fn, exits) =>
      exits.returns.map((offset) =>
        // An exit site after the value is recorded inside the `return` keyword (return-exit.ts).
        at(
          analysed,
          offset === fn.bodyEnd - 1
            ? offset
            : exits.afterValue.includes(offset)
              ? statementAt(analysed, offset - 1).end
              : statementAt(analysed, offset).end,
        ),
      ),
  );
  const { exits } = exitsOf(COMPUTED, 'outer');
  assert.ok(!('why' in exits));
  assert.equal(exits.returns.length, 1, "the arrow's return is not outer's");
});

const FINALLY = `
function tidy(x) {
  try {
    if (x) return g(x);
    return 2;
  } finally {
    x++;
  }
}
function layered(x) {
  try {
    try {
      return g(x);
    } finally {
      x++;
    }
  } catch (e) {
    return 1;
  } finally {
    if (x > 5) return 5;
  }
}
function g(x) { return x; }
`;

test("a `return` inside `try … finally`, where V8 reports no return position, is timed at its outermost `try`'s wrapper, after the `finally` blocks", async () => {
  const names = ['tidy', 'layered'];
  const source = `(function () {${FINALLY}return [${names.join(', ')}];})()`;
  // V8 (Node 20 to 24) reports none inside the `try` or its `catch`, and so the breakpoint path cannot stop there:
  // at most a `return` in the last `finally` (layered's), and the closing brace on Node 20 and 22, which a deferred return never passes.
  await returnsBeside(
    source,
    'liveprobe-timed-finally-fixture.js',
    names,
    (fn) => fn.bodyEnd + 1,
    (analysed, fn, exits) => {
      const wrapper = analysed.source.indexOf('try {', fn.bodyStart) + 1;
      assert.deepEqual(exits.returns, [wrapper], `${fn.name}: one exit, the wrapper's, one column into its \`try\``);
      const inFinally = analysed.source.indexOf('return 5;', fn.bodyStart);
      const v8: string[] = [];
      if (inFinally >= 0 && inFinally < fn.bodyEnd) v8.push(at(analysed, inFinally + 'return 5;'.length));
      if (!process.version.startsWith('v24')) v8.push(at(analysed, fn.bodyEnd - 1));
      return v8;
    },
  );
});

const FOR_OF = `
function first(xs) {
  for (const x of xs) {
    if (x > 1) return g(x);
  }
  return 0;
}
async function firstLater(xs) {
  outer: for await (const x of xs) {
    for (const y of x) {
      if (y) continue outer;
      return y;
    }
  }
  return 0;
}
function g(x) { return x; }
`;

test("a `return` inside `for … of` or `for await … of`, where V8 reports no return position, is timed at its outermost loop's wrapper, after the iterator's closing", async () => {
  const names = ['first', 'firstLater'];
  const source = `(function () {${FOR_OF}return [${names.join(', ')}];})()`;
  // V8 (Node 20 to 24) reports none inside the loop: only the `return 0` after it.
  await returnsBeside(
    source,
    'liveprobe-timed-for-of-fixture.js',
    names,
    (fn) => fn.bodyEnd,
    (analysed, fn, exits) => {
      const wrapper = analysed.source.indexOf('for', fn.bodyStart) + 1;
      const after = analysed.source.indexOf('return 0;', fn.bodyStart);
      assert.deepEqual(
        exits.returns,
        [wrapper, after],
        `${fn.name}: the wrapper's exit, one column into its outermost \`for\`, then \`return 0\``,
      );
      assert.deepEqual(exits.afterValue, [wrapper]);
      return [at(analysed, after + 'return 0;'.length)];
    },
  );
});

const MULTI_LINE = `
function called(id) {
  return total(
    id);
}
function nested(id) {
  return total(
    total(id));
}
function object(id) {
  return {
    id,
  };
}
function sum(a, b) {
  return a +
    b
}
function chained(xs) {
  return xs
    .map(String);
}
function read(x) {
  return x
    .length;
}
function listed(x) {
  return [1,
    x && \`a\${x}\`];
}
function total(x) { return x; }
`;

test("a multi-line `return`'s exit site is on its last line where V8's first break location on that line is the return position, and in its keyword otherwise", async () => {
  const names = ['called', 'nested', 'object', 'sum', 'chained', 'read', 'listed'];
  const source = `(function () {${MULTI_LINE}return [${names.join(', ')}];})()`;
  const onLastLine: string[] = [];
  await debugged(source, 'liveprobe-timed-multi-line-fixture.js', names.length, async (session, scriptId) => {
    for (const name of names) {
      const { analysed, exits } = exitsOf(source, name);
      assert.ok(!('why' in exits), name);
      const [offset] = exits.afterValue;
      const ret = statementAt(analysed, source.lastIndexOf('return', offset!));
      const { line, column } = positionOf(analysed, offset!);
      if (line === positionOf(analysed, ret.start).line) {
        assert.equal(offset, ret.start + 1, `${name}: in the keyword`);
        continue;
      }
      onLastLine.push(name);
      assert.equal(offset, ret.end - 1, `${name}: the statement's last character`);
      // A breakpoint on that line stops at its first break location: V8's return position.
      const { locations } = await session.post('Debugger.getPossibleBreakpoints', {
        start: { scriptId, lineNumber: line - 1, columnNumber: 0 },
        end: { scriptId, lineNumber: line, columnNumber: 0 },
      });
      assert.equal(locations[0]?.type, 'return', `${name}: line ${line} (column ${column}) first stops at the return`);
    }
  });
  assert.deepEqual(
    onLastLine,
    ['called', 'object', 'sum', 'listed'],
    'a call, a property read or a method on the last line keep it in the keyword',
  );
});

test('the timer starts at the first statement that runs: past directives and hoisted declarations', () => {
  const { analysed, exits } = exitsOf(TIMED, 'pick');
  assert.ok(!('why' in exits));
  const entry = positionOf(analysed, exits.entry);
  assert.equal(TIMED.split('\n')[entry.line - 1]!.slice(entry.column), 'if (a) return a;');
});

test('a function stays on breakpoints when a site before an exit would not time what a breakpoint times, and says which line', () => {
  const cases: [string, string, number, RegExp][] = [
    [
      'function* f(k) {\n  try {\n    return g(k);\n  } finally {\n    k++;\n  }\n}',
      'f',
      3,
      /^returns inside `try … finally` in a generator/,
    ],
    [
      'function f(k) {\n  for (;;) {\n    try {\n      return g(k);\n    } finally {\n      if (k) break;\n    }\n  }\n}',
      'f',
      4,
      /^returns inside `try … finally` whose `finally` block has a `break` or `continue`/,
    ],
    ['function* f(xs) {\n  for (const x of xs) {\n    return x;\n  }\n  return 0;\n}', 'f', 3, /^returns inside `for … of` in a generator/],
    [
      'function f(xs) {\n  for (const x of xs) {\n    try {\n      return g(x);\n    } finally {\n      if (x) continue;\n    }\n  }\n}',
      'f',
      4,
      /^returns inside `for … of` around a `finally` block with a `break` or `continue`/,
    ],
    ['function f() {\n}', 'f', 2, /^ends f with an empty body/],
    [
      'const e = () => a(), f = () => b();',
      'f',
      1,
      /^starts an expression-bodied arrow function: another function before it in its statement/,
    ],
    ['async function* f() {\n  return 1;\n}', 'f', 1, /^starts an async generator/],
    ['const f = (x) =>\n  x * 2;', 'f', 1, /^starts an expression-bodied arrow function: its body is not a call/],
    ['const f = (x) => (g(x));', 'f', 1, /^starts an expression-bodied arrow function: its body is in parentheses/],
    ['const f = (x) => g(() => x);', 'f', 1, /^starts an expression-bodied arrow function: a function inside its body/],
  ];
  for (const [source, name, line, why] of cases) {
    const { analysed, exits } = exitsOf(source, name);
    assert.ok('why' in exits, `${source}: timed`);
    assert.match(exits.why, why, source);
    assert.equal(positionOf(analysed, exits.at).line, line, source);
  }
});

test('a returned variable counts as computing nothing only where it is certainly initialised', () => {
  const ok = [
    'function f(p) {\n  let r = p;\n  if (r) return r;\n  return p;\n}',
    'var shared = 1;\nfunction f() {\n  return shared;\n}',
    'function f() {\n  try { go(); } catch (err) { return err; }\n  return NaN;\n}',
    'function f() {\n  return `plain`;\n}',
    'function f() {\n  return -1;\n}',
  ];
  for (const source of ok) {
    const { exits } = exitsOf(source, 'f');
    assert.ok(!('why' in exits), `${source}: ${'why' in exits ? exits.why : ''}`);
  }
});
