/**
 * The transform's scope analysis (agent/src/locate/scope-pass.ts): which names each scope
 * declares, in order, and where a function's outer references resolve — what decides the
 * bindings a probe site passes. (scripts/prepare-identity.mjs checks the whole transform's
 * output against a build before, over node_modules.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'acorn';
import type { AstNode } from '../../../agent/src/prepare/ast.js';
import { resolveOuter, type Scope } from '../../../agent/src/locate/scope-model.js';
import { analyseScopes, type ScopeAnalysis } from '../../../agent/src/locate/scope-pass.js';

function analyse(source: string, kind: 'module' | 'commonjs' = 'commonjs'): { scopes: ScopeAnalysis; fns: Map<string, AstNode> } {
  const program = parse(source, {
    ecmaVersion: 'latest',
    sourceType: kind === 'module' ? 'module' : 'script',
    allowReturnOutsideFunction: true,
  }) as unknown as AstNode;
  const fns = new Map<string, AstNode>();
  const stack: unknown[] = [program];
  while (stack.length > 0) {
    const node = stack.pop() as AstNode;
    if ((node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') && node.id) fns.set(node.id.name, node);
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) stack.push(...value.filter((v) => v !== null && typeof v?.type === 'string'));
      else if (value !== null && typeof (value as AstNode)?.type === 'string') stack.push(value);
    }
  }
  return { scopes: analyseScopes(program, kind), fns };
}

function scopeOf(analysis: ReturnType<typeof analyse>, name: string): Scope {
  const scope = analysis.scopes.acquire(analysis.fns.get(name)!);
  assert.ok(scope, `no scope for ${name}`);
  return scope;
}

/** The outer names a function references, in first-reference order, each with the scope type that declares it (or null). */
function outer(scope: Scope): [string, string | null][] {
  return [...(scope.through?.values() ?? [])].map((ref) => [ref.name, resolveOuter(scope, ref)?.scope.type ?? null]);
}

test('a function lists `arguments`, its parameters and its `var`s in declaration order; block `let`s stay in their block', () => {
  const a = analyse('function f(a, { b, c = 1 }, ...d) { var e; { let g; var h; } function i() {} }');
  const f = scopeOf(a, 'f');
  assert.deepEqual(
    f.variables.map((v) => [v.name, v.def?.type ?? null]),
    [
      ['arguments', null],
      ['a', 'Parameter'],
      ['b', 'Parameter'],
      ['c', 'Parameter'],
      ['d', 'Parameter'],
      ['e', 'Variable'],
      ['h', 'Variable'],
      ['i', 'FunctionName'],
    ],
  );
});

test("a function's outer references keep their first-reference order and resolve to the nearest declaration", () => {
  const a = analyse('let x = 1; function f() { y(); { let x; x; } return x + z; } const z = 2;');
  assert.deepEqual(outer(scopeOf(a, 'f')), [
    ['y', null],
    ['x', 'function'],
    ['z', 'function'],
  ]);
});

test("a parameter default does not see the body's `var` of the same name: it reads the outer one", () => {
  const a = analyse('const b = 1; function f(a = b) { var b = 2; return a; }');
  assert.deepEqual(outer(scopeOf(a, 'f')), [['b', 'function']]);
  // The same name declared as a parameter too is the function's own.
  const own = analyse('const b = 1; function f(b, a = b) { var b; return a; }');
  assert.deepEqual(outer(scopeOf(own, 'f')), []);
});

test('a direct `eval` makes the function holding it, and every function around it, resolve nothing outward', () => {
  const a = analyse(
    'let v = 1; function outerFn() { let w; function g() { eval("v"); } function h() { return v + w; } { let u; function k() { return u; } } }',
  );
  assert.ok(a.scopes.dynamic.has(scopeOf(a, 'g')));
  assert.ok(!a.scopes.dynamic.has(scopeOf(a, 'outerFn')));
  // h's references pass through outerFn, which a direct eval inside it may extend: unresolved.
  assert.deepEqual(outer(scopeOf(a, 'h')), [
    ['v', null],
    ['w', null],
  ]);
  // A block that holds no eval still resolves what it declares.
  assert.deepEqual(outer(scopeOf(a, 'k')), [['u', 'block']]);
});

test('`with` leaves its function unprepared, and references through it still resolve outward', () => {
  const a = analyse('const q = 1; function f(o) { with (o) { (function g() { return q; })(); } }');
  assert.ok(a.scopes.dynamic.has(scopeOf(a, 'f')));
  assert.deepEqual(outer(scopeOf(a, 'g')), [['q', 'function']]);
});

test('a module scope holds imports and top-level names; a class name is also bound inside the class', () => {
  const a = analyse('import d, { e as f } from "m"; export class K { m() { return K; } } function fn() { return d + f; }', 'module');
  const fn = scopeOf(a, 'fn');
  assert.deepEqual(
    fn.upper!.variables.map((v) => [v.name, v.def?.type]),
    [
      ['d', 'ImportBinding'],
      ['f', 'ImportBinding'],
      ['K', 'ClassName'],
      ['fn', 'FunctionName'],
    ],
  );
  assert.equal(fn.upper!.type, 'module');
  assert.deepEqual(outer(fn), [
    ['d', 'module'],
    ['f', 'module'],
  ]);
});

test('functionStarts lists where every function and class starts, ascending, named or not, however deep in an expression', () => {
  const source = 'const x = [1, () => 2, { m() {} }];\nclass A { f = function () {}; static { } }\nfoo(async function g() {}, 3 + 4);';
  const { scopes } = analyse(source);
  const expected = ['() => 2', 'm() {}', 'class A', 'function () {}', 'async function g'].map((text) => {
    const at = source.indexOf(text);
    // A method's function starts at its parameters.
    return text === 'm() {}' ? at + 1 : at;
  });
  assert.deepEqual([...scopes.functionStarts()], expected);
});
