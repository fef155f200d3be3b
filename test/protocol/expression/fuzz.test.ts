import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkExpression, checkTemplate, ExpressionError } from '@liveprobe/protocol';

const TOKENS = [
  'a',
  'b',
  'user',
  'this',
  'super',
  'new',
  'delete',
  'await',
  'yield',
  'import',
  'typeof',
  'void',
  'in',
  'instanceof',
  'class',
  'function',
  'async',
  'let',
  'if',
  'len',
  'keys',
  'has',
  'str',
  '.startsWith',
  '.includes',
  '.',
  '?.',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  ',',
  ';',
  ':',
  '?',
  '=',
  '+=',
  '==',
  '===',
  '!',
  '-',
  '+',
  '*',
  '/',
  '**',
  '%',
  '&&',
  '||',
  '??',
  '++',
  '--',
  '=>',
  '...',
  '`',
  '${',
  '#x',
  '0',
  '1.5',
  '10n',
  '"s"',
  "'t'",
  '/re/g',
  'null',
  'undefined',
  'true',
  'NaN',
  '\n',
  ' ',
];

test('property: any token soup is either accepted or rejected with an ExpressionError, never another failure', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 25 }), fc.constantFrom('', ' '), (tokens, glue) => {
      const source = tokens.join(glue);
      for (const check of [checkExpression, checkTemplate]) {
        try {
          check(source);
        } catch (err) {
          assert.ok(err instanceof ExpressionError, `${JSON.stringify(source)} threw ${String(err)}`);
          assert.ok(err.position >= 0 && err.position <= source.length, `${JSON.stringify(source)}: position ${err.position}`);
          assert.ok(err.message.length > 0 && err.construct.length > 0);
        }
      }
    }),
    { numRuns: 5000 },
  );
});

test('property: arbitrary text is never accepted as a call, an assignment or a definition', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (source) => {
      let accepted: ReturnType<typeof checkExpression>;
      try {
        accepted = checkExpression(source);
      } catch (err) {
        assert.ok(err instanceof ExpressionError, String(err));
        return;
      }
      const kinds = JSON.stringify(accepted.expr).match(/"k":"(\w+)"/g) ?? [];
      for (const kind of kinds) assert.match(kind, /"k":"(lit|bigint|undef|id|this|member|unary|binary|logical|cond|array|helper|method)"/);
    }),
    { numRuns: 5000 },
  );
});
