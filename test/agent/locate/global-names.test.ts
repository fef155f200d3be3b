import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNotInsideWith, globalNamesAt, readKindsAt, UnsafeLineError } from '../../../agent/src/locate/global-names.js';
import { analyseSource } from '../../../agent/src/locate/source-analysis.js';

const at = (source: string, marker: string) => source.indexOf(marker);

test('a name the file binds is read directly, one it does not from the global object, a CommonJS wrapper name guarded', () => {
  const commonJs = `const fs = require('fs');\nlet count = 0;\nfunction f(a) {\n  const b = a + 1;\n  return b; // here\n}\nmodule.exports = f;\n`;
  const analysed = analyseSource(commonJs)!;
  const roots = ['a', 'b', 'count', 'fs', 'f', 'require', 'module', '__dirname', 'arguments', 'process', 'tenantSettings'];
  assert.deepEqual(globalNamesAt(analysed, at(commonJs, 'return b'), roots), ['process', 'tenantSettings']);
  // This file parses as a module too, so the CommonJS wrapper's names may or may not be bound.
  assert.deepEqual({ ...readKindsAt(analysed, at(commonJs, 'return b'), ['require', 'a']) }, { require: 'either', a: 'local' });
  const script = `var interface = module.id; // sloppy-mode only: not a module\n`;
  assert.deepEqual({ ...readKindsAt(analyseSource(script)!, 0, ['module', 'process']) }, { module: 'local', process: 'global' });

  const esm = `import { x } from './x.js';\nexport function g(p) {\n  return p; // here\n}\n`;
  const module = analyseSource(esm)!;
  // Parsing cannot tell an ES module from a CommonJS file that parses as one: `require` stays guarded.
  assert.deepEqual(globalNamesAt(module, at(esm, 'return p'), ['p', 'x', 'g', 'require', 'Buffer']), ['Buffer']);
  assert.equal(globalNamesAt(undefined, 0, ['p']), undefined, 'a file the agent could not parse');
});

test('a line inside a `with` statement is refused, since every name read there goes through its object first', () => {
  const sloppy = `function h(o) {\n  with (o) {\n    total; // inside\n  }\n  return o; // outside\n}\n`;
  const analysed = analyseSource(sloppy)!;
  assert.throws(
    () => assertNotInsideWith(analysed, at(sloppy, 'total;'), 3),
    (err: unknown) =>
      err instanceof UnsafeLineError &&
      err.message ===
        'line 3 is inside a `with` statement, where reading any name runs the getters and Proxy traps of its object; probe a line outside it',
  );
  assert.doesNotThrow(() => assertNotInsideWith(analysed, at(sloppy, 'return o'), 5));
});

test('on a `return`, a binding of a block the return leaves is told apart: V8 may no longer show it there', () => {
  const source = [
    'let outer = 1;',
    'function f(q, list) {',
    '  const top = q;',
    '  if (q) {',
    '    const total = q * 3;',
    '    let spare = 0;',
    '    return total; // if',
    '  }',
    '  for (const item of list) {',
    '    const doubled = item * 2;',
    '    returned(doubled); // not a return',
    '    return doubled; // loop',
    '  }',
    '  try {',
    '    throw q;',
    '  } catch (err) {',
    '    return err; // catch',
    '  }',
    '  {',
    '    const inner = () => { return total2; }; const total2 = 1;',
    '  }',
    '  return top; // top',
    '}',
    'function returned() {}',
  ].join('\n');
  const analysed = analyseSource(source)!;
  const kinds = (marker: string, roots: string[]) => ({ ...readKindsAt(analysed, at(source, marker), roots) });
  assert.deepEqual(kinds('return total', ['total', 'spare', 'top', 'q', 'outer', 'process']), {
    total: 'left-at-return',
    spare: 'left-at-return',
    top: 'local',
    q: 'local',
    outer: 'local',
    process: 'global',
  });
  assert.deepEqual(kinds('return doubled', ['doubled', 'item']), { doubled: 'left-at-return', item: 'left-at-return' });
  assert.deepEqual(kinds('returned(doubled)', ['doubled']), { doubled: 'local' }, 'a call named return… is no return');
  assert.deepEqual(kinds('return err', ['err']), { err: 'left-at-return' });
  // Inside the arrow, total2 belongs to the enclosing function's block: a closure's binding, kept in view.
  assert.deepEqual(kinds('return total2', ['total2']), { total2: 'local' });
  assert.deepEqual(kinds('return top', ['top']), { top: 'local' });
});
