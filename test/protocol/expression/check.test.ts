import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExpression, checkTemplate, ExpressionError, MAX_EXPRESSION_LENGTH } from '@liveprobe/protocol';

test('the whole language is accepted: names, this, member access, literals, operators, ternary, helpers and string/array methods', () => {
  const accepted: [source: string, roots: string[]][] = [
    ['order', ['order']],
    ['valueOf + constructor', ['valueOf', 'constructor']],
    ['this.total', []],
    ['order.items[0].sku', ['order']],
    ['headers["content-type"]', ['headers']],
    ['items[i]', ['items', 'i']],
    ['user?.address?.city', ['user']],
    ['user?.["name"]', ['user']],
    ['42 + 1.5e3 - 0x10', []],
    ['10n === count', ['count']],
    ['"text" + \'more\' + `plain template`', []],
    ['(true && false || null) ?? undefined', []],
    ['NaN !== Infinity', []],
    ['!done', ['done']],
    ['-amount', ['amount']],
    ['+quantity', ['quantity']],
    ['~flags', ['flags']],
    ['typeof value === "string"', ['value']],
    ['a * b / c % d ** e', ['a', 'b', 'c', 'd', 'e']],
    ['a == b && a != c && a === d && a !== e', ['a', 'b', 'c', 'd', 'e']],
    ['a < b || a <= b || a > b || a >= b', ['a', 'b']],
    ['(mask & 1) | (mask ^ 2) | (mask << 1) | (mask >> 1) | (mask >>> 1)', ['mask']],
    ['(a + b) * c', ['a', 'b', 'c']],
    ['((total))', ['total']],
    ['user.vip ? total * 0.9 : total', ['user', 'total']],
    ['len(items) > 0', ['items']],
    ['keys(payload)', ['payload']],
    ['has(cache, key)', ['cache', 'key']],
    ['str(order)', ['order']],
    ['path.startsWith("/api") && path.endsWith(".json")', ['path']],
    ['name.includes("test") || tags.includes("beta")', ['name', 'tags']],
    ['[1, 2, 3].includes(status)', ['status']],
    ['user?.email?.endsWith("@example.com")', ['user']],
  ];
  for (const [source, roots] of accepted) {
    const checked = checkExpression(source);
    assert.deepEqual(checked.roots, roots, source);
  }
  assert.equal(checkExpression('this.total').usesThis, true);
  assert.deepEqual(checkExpression('10n').expr, { k: 'bigint', v: '10' }, 'bigints keep their precision');
  assert.deepEqual(checkExpression('(x)').expr, { k: 'id', name: 'x' });
});

interface Rejection {
  source: string;
  construct: string;
  /** 1-based, as the message says it. */
  column: number;
  /** What the message tells the user to write instead. */
  instead: string;
}

const REJECTED: Rejection[] = [
  { source: 'save(order)', construct: 'call to `save`', column: 1, instead: 'only len(x), keys(x), has(x, k), str(x)' },
  { source: 'user.save()', construct: 'call to `user.save`', column: 1, instead: 'only len(x)' },
  { source: 'x?.()', construct: 'call to `x`', column: 1, instead: 'only len(x)' },
  {
    source: 'x.constructor.constructor("return 1")()',
    construct: 'call to `x.constructor.constructor("return 1")`',
    column: 1,
    instead: 'only len(x)',
  },
  { source: 'eval("1")', construct: 'call to `eval`', column: 1, instead: 'only len(x)' },
  { source: 'x = 1', construct: 'assignment `=`', column: 1, instead: 'to compare, write `==` or `===`' },
  { source: 'a && (b = 1)', construct: 'assignment `=`', column: 7, instead: 'write `==` or `===`' },
  { source: 'user.name = "x"', construct: 'assignment `=`', column: 1, instead: 'write `==` or `===`' },
  { source: 'count += 1', construct: 'assignment `+=`', column: 1, instead: 'e.g. `x + 1`' },
  { source: 'count ??= 1', construct: 'assignment `??=`', column: 1, instead: 'e.g. `x + 1`' },
  { source: 'count++', construct: '`++`', column: 1, instead: 'write `x + 1` or `x - 1` instead' },
  { source: '1 + --count', construct: '`--`', column: 5, instead: 'write `x + 1` or `x - 1` instead' },
  { source: 'new Date()', construct: '`new`', column: 1, instead: 'read an existing value instead' },
  { source: 'delete user.token', construct: '`delete`', column: 1, instead: 'read the property instead' },
  { source: 'await pending', construct: '`await`', column: 1, instead: 'read the value that is already there' },
  { source: 'yield next', construct: '`yield`', column: 1, instead: 'read the value directly' },
  { source: 'import("fs")', construct: '`import()`', column: 1, instead: 'read values already in scope' },
  { source: 'import.meta.url', construct: '`import.meta`', column: 1, instead: 'read a variable in scope instead' },
  { source: 'new.target', construct: '`new.target`', column: 1, instead: 'read a variable in scope instead' },
  { source: 'html`<b>${name}</b>`', construct: 'tagged template', column: 1, instead: 'use a log template `{expr}` instead' },
  { source: 'path == /api/', construct: 'regular expression', column: 9, instead: 'use startsWith, endsWith or includes' },
  { source: '/^a+$/.test(s)', construct: 'call to `/^a+$/.test`', column: 1, instead: 'only len(x)' },
  { source: 'a, b', construct: 'comma sequence', column: 1, instead: 'use several `{…}` in a log template' },
  { source: 'x => x.id', construct: 'function definition', column: 1, instead: 'expressions may read variables and fields' },
  { source: 'function () { return 1 }', construct: 'function definition', column: 1, instead: 'expressions may read variables and fields' },
  { source: 'async () => 1', construct: 'function definition', column: 1, instead: 'expressions may read variables and fields' },
  { source: 'class {}', construct: 'class definition', column: 1, instead: 'expressions may read variables and fields' },
  { source: '({ id: 1 })', construct: 'object literal', column: 2, instead: 'compare or log fields one at a time' },
  { source: '[...items]', construct: 'spread `...`', column: 2, instead: 'list the items' },
  { source: 'len(...args)', construct: 'spread `...`', column: 5, instead: 'pass the arguments one by one' },
  {
    source: '`total: ${total}`',
    construct: 'template literal with `${…}`',
    column: 1,
    instead: 'use a log template `{expr}` or `str(x)` instead',
  },
  { source: 'err instanceof TypeError', construct: '`instanceof`', column: 1, instead: 'compare a field instead' },
  { source: '"id" in user', construct: '`in`', column: 1, instead: 'use `has(obj, "key")`' },
  { source: 'void 0', construct: '`void`', column: 1, instead: 'write `undefined`' },
  { source: 'super.secret', construct: '`super`', column: 1, instead: 'read `this.field` instead' },
  { source: 'this.#balance', construct: 'private field `#balance`', column: 6, instead: 'read a public field instead' },
  { source: '#balance in this', construct: 'private field `#balance`', column: 1, instead: 'read a public field instead' },
  { source: 'items[i + 1]', construct: 'computed member access', column: 7, instead: 'write `items[0]`, `map["key"]` or `items[i]`' },
  { source: 'len(a, b)', construct: '`len(…)`', column: 1, instead: 'write `len(value)`' },
  { source: 'has(user)', construct: '`has(…)`', column: 1, instead: 'write `has(obj, "key")`' },
  { source: 'path.startsWith()', construct: '`.startsWith(…)`', column: 1, instead: 'write `x.startsWith("text")`' },
  { source: 'a; b', construct: 'statement separator `;`', column: 2, instead: 'remove the `;` and everything after it' },
  { source: 'if (a) b', construct: 'statement `if`', column: 1, instead: 'use the ternary `cond ? a : b`' },
  { source: 'let x = 1', construct: 'statement `let`', column: 1, instead: 'use the ternary' },
  { source: 'throw err', construct: 'statement `throw`', column: 1, instead: 'use the ternary' },
  { source: '   ', construct: 'empty expression', column: 1, instead: 'write a variable or field such as `order.id`' },
  { source: 'a b', construct: 'unexpected `b`', column: 3, instead: 'check for a missing operator or an extra bracket' },
  { source: 'a ?? b || c', construct: 'syntax error', column: 8, instead: 'expressions use JavaScript syntax' },
  { source: 'x'.repeat(MAX_EXPRESSION_LENGTH + 1), construct: 'expression', column: 1, instead: 'capture fewer values per expression' },
];

test('every rejected construct is named, with its column and what to write instead', () => {
  for (const { source, construct, column, instead } of REJECTED) {
    assert.throws(
      () => checkExpression(source),
      (err: unknown) => {
        assert.ok(err instanceof ExpressionError, `${source}: ${String(err)}`);
        assert.equal(err.code, 'invalid_expression');
        assert.equal(err.construct, construct, source);
        assert.equal(err.position, column - 1, `${source}: position`);
        assert.ok(err.message.startsWith(`${construct} at column ${column} of \``), `${source}: ${err.message}`);
        assert.ok(err.message.includes(instead), `${source}: "${err.message}" should say "${instead}"`);
        return true;
      },
    );
  }
});

test('a keyword inside a string literal is text, not a construct', () => {
  assert.equal(checkExpression('status == "if yield super"').roots[0], 'status');
  assert.throws(
    () => checkExpression('"yield" +'),
    (err: ExpressionError) => err.construct === 'syntax error',
  );
});

test('a template names the placeholder error at its column in the whole template', () => {
  const cases: [template: string, construct: string, column: number][] = [
    ['order {order.id} saved by {save(user)}', 'call to `save`', 28],
    ['total {a = 1}', 'assignment `=`', 8],
    ['open { brace', 'unclosed `{`', 6],
    ['stray } brace', 'unmatched `}`', 7],
    ['empty {} here', 'empty `{}`', 7],
    ['two {a; b}', 'statement separator `;`', 7],
  ];
  for (const [template, construct, column] of cases) {
    assert.throws(
      () => checkTemplate(template),
      (err: ExpressionError) => {
        assert.equal(err.construct, construct, template);
        assert.equal(err.position, column - 1, `${template}: ${err.message}`);
        assert.ok(err.message.includes(`of \`${template}\``), err.message);
        return true;
      },
    );
  }
  const checked = checkTemplate('{{literal}} {user.id} paid {amount} for {"}"}');
  assert.deepEqual(checked.roots, ['user', 'amount']);
  assert.deepEqual(checked.parts[0], { text: '{literal} ' });
});
