/**
 * Turns a parse failure into the construct the user wrote and what to write instead. Acorn
 * says "unexpected token"; the user needs "`if` is a statement: use `a ? b : c`". The source
 * is re-read token by token, so words inside string literals are never mistaken for keywords.
 */
import { tokenizer, type Token } from 'acorn';
import { ExpressionError } from './errors.js';

interface Explanation {
  construct: string;
  reason: string;
  hint: string;
}

const STATEMENTS = new Set([
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'case',
  'return',
  'throw',
  'try',
  'catch',
  'finally',
  'var',
  'let',
  'const',
  'break',
  'continue',
  'debugger',
  'with',
]);

/** What a token starts, when it starts something outside the language. */
function explain(tokens: Token[], i: number): Explanation | undefined {
  const token = tokens[i]!;
  const next = tokens[i + 1];
  const value = tokenValue(token);
  const word = token.type.label === 'name' || token.type.keyword !== undefined ? value : undefined;
  const followedByDot = next?.type.label === '.';
  if (word === 'yield')
    return { construct: '`yield`', reason: 'generators cannot be resumed from a probe', hint: 'read the value directly' };
  if (word === 'import' && followedByDot)
    return { construct: '`import.meta`', reason: "is only defined inside a module's own code", hint: 'read a variable in scope instead' };
  if (word === 'new' && followedByDot)
    return { construct: '`new.target`', reason: "is only defined inside a function's own code", hint: 'read a variable in scope instead' };
  if (word === 'super')
    return { construct: '`super`', reason: 'is only meaningful inside a class method body', hint: 'read `this.field` instead' };
  if (token.type.label === 'privateId') {
    return {
      construct: `private field \`#${value}\``,
      reason: 'private fields cannot be read from outside their class',
      hint: 'read a public field instead',
    };
  }
  if (word !== undefined && STATEMENTS.has(word) && !(word === 'let' && next?.type.label !== 'name')) {
    return {
      construct: `statement \`${word}\``,
      reason: 'a probe evaluates one expression, not statements',
      hint: 'use the ternary `cond ? a : b` to choose between values',
    };
  }
  return undefined;
}

function tokenValue(token: Token): string {
  return String((token as Token & { value?: unknown }).value);
}

/** The first construct outside the language in `source`, or undefined when there is none to name. */
export function explainSyntax(source: string): ExpressionError | undefined {
  const tokens: Token[] = [];
  try {
    for (const token of tokenizer(source, { ecmaVersion: 'latest' })) tokens.push(token);
  } catch {
    // The tokens before the failure are still worth looking at.
  }
  for (let i = 0; i < tokens.length; i++) {
    const found = explain(tokens, i);
    if (found !== undefined) return new ExpressionError(source, tokens[i]!.start, found.construct, found.reason, found.hint);
  }
  return undefined;
}
