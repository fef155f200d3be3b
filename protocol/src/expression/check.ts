import { parseExpressionAt, type Expression, type Node, type PrivateIdentifier, type Super, type SpreadElement } from 'acorn';
import {
  BINARY_OPS,
  HELPERS,
  METHODS,
  UNARY_OPS,
  type BinaryOp,
  type CheckedExpression,
  type Expr,
  type HelperName,
  type MethodName,
  type UnaryOp,
} from './ast.js';
import { ExpressionError } from './errors.js';
import { explainSyntax } from './syntax-hints.js';
import { checkBigintSizes } from './bigint-bounds.js';
import { RESERVED_PREFIX } from './reserved.js';

export const MAX_EXPRESSION_LENGTH = 1000;

// A Map, not an object literal: `valueOf` or `constructor` must not find Object.prototype's.
const LITERAL_NAMES: ReadonlyMap<string, Expr> = new Map<string, Expr>([
  ['undefined', { k: 'undef' }],
  ['NaN', { k: 'lit', v: Number.NaN }],
  ['Infinity', { k: 'lit', v: Number.POSITIVE_INFINITY }],
]);

const ALLOWED_SUMMARY =
  'expressions may read variables and fields, compare, do arithmetic and call len, keys, has, str, startsWith, endsWith or includes';

/** Parses and checks one expression; throws ExpressionError for anything outside the language. */
export function checkExpression(source: string): CheckedExpression {
  if (source.trim() === '')
    throw new ExpressionError(
      source,
      0,
      'empty expression',
      'there is nothing to evaluate',
      'write a variable or field such as `order.id`',
    );
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      source.slice(0, 40) + '…',
      0,
      'expression',
      `is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`,
      'capture fewer values per expression',
    );
  }
  let node: Expression;
  try {
    // preserveParens: without it, `(a + b)` parses as `a + b` ending before the `)`.
    node = parseExpressionAt(source, 0, { ecmaVersion: 'latest', allowAwaitOutsideFunction: true, preserveParens: true });
  } catch (err) {
    throw syntaxError(source, err);
  }
  const rest = source.slice(node.end);
  if (rest.trim() !== '') {
    // `yield x` and `let x = 1` parse as the name `yield` or `let` followed by stray text.
    const explained = explainSyntax(source);
    if (explained !== undefined) throw explained;
    const at = node.end + (rest.length - rest.trimStart().length);
    if (rest.trimStart().startsWith(';')) {
      throw new ExpressionError(
        source,
        at,
        'statement separator `;`',
        'an expression is a single value, not a list of statements',
        'remove the `;` and everything after it',
      );
    }
    throw new ExpressionError(
      source,
      at,
      `unexpected \`${rest.trim().slice(0, 20)}\``,
      'the expression ends before this text',
      'check for a missing operator or an extra bracket',
    );
  }
  const roots: string[] = [];
  const state = { usesThis: false };
  const expr = convert(source, node, roots, state);
  checkBigintSizes(source, expr);
  return { source, expr, roots, usesThis: state.usesThis };
}

function syntaxError(source: string, err: unknown): ExpressionError {
  const pos = typeof (err as { pos?: unknown }).pos === 'number' ? (err as { pos: number }).pos : 0;
  const explained = explainSyntax(source);
  if (explained !== undefined) return explained;
  const message = err instanceof Error ? err.message.replace(/\s*\(\d+:\d+\)$/, '') : String(err);
  return new ExpressionError(
    source,
    pos,
    'syntax error',
    message.charAt(0).toLowerCase() + message.slice(1),
    'expressions use JavaScript syntax, e.g. `order.total > 100 && user.id`',
  );
}

type AnyNode = Expression | SpreadElement | PrivateIdentifier | Super | Node;

function reject(source: string, node: AnyNode, construct: string, reason: string, hint: string): never {
  throw new ExpressionError(source, node.start, construct, reason, hint);
}

function convert(source: string, node: AnyNode, roots: string[], state: { usesThis: boolean }): Expr {
  const sub = (n: AnyNode): Expr => convert(source, n, roots, state);
  const text = (n: AnyNode): string => source.slice(n.start, n.end);
  const n = node as Expression;
  switch (n.type) {
    case 'Literal': {
      if ('regex' in n && n.regex !== undefined) {
        return reject(
          source,
          n,
          'regular expression',
          'constructing a RegExp can run for an unbounded time',
          'use startsWith, endsWith or includes',
        );
      }
      if (typeof n.value === 'bigint') return { k: 'bigint', v: n.value.toString() };
      return { k: 'lit', v: n.value as string | number | boolean | null };
    }
    case 'Identifier': {
      const named = LITERAL_NAMES.get(n.name);
      if (named !== undefined) return named;
      if (n.name.startsWith(RESERVED_PREFIX)) {
        return reject(
          source,
          n,
          `name \`${n.name}\``,
          `names starting with \`${RESERVED_PREFIX}\` are reserved for the liveprobe agent's own code, which expressions never see`,
          'read a variable of the application',
        );
      }
      if (!roots.includes(n.name)) roots.push(n.name);
      return { k: 'id', name: n.name };
    }
    case 'ThisExpression':
      state.usesThis = true;
      return { k: 'this' };
    case 'TemplateLiteral':
      if (n.expressions.length > 0) {
        return reject(
          source,
          n,
          'template literal with `${…}`',
          'interpolation converts values with toString, which can run application code',
          'use a log template `{expr}` or `str(x)` instead',
        );
      }
      return { k: 'lit', v: n.quasis.map((q) => q.value.cooked ?? '').join('') };
    case 'ChainExpression':
    case 'ParenthesizedExpression':
      return sub(n.expression);
    case 'MemberExpression': {
      if (n.object.type === 'Super')
        return reject(source, n, '`super`', 'is only meaningful inside a class method body', 'read `this.field` instead');
      if (n.property.type === 'PrivateIdentifier') {
        return reject(
          source,
          n.property,
          `private field \`#${n.property.name}\``,
          'private fields cannot be read from outside their class',
          'read a public field instead',
        );
      }
      // The object first, so roots come out in reading order.
      const object = sub(n.object);
      let property: Expr;
      if (!n.computed) property = { k: 'lit', v: (n.property as { name: string }).name };
      else if (n.property.type === 'Literal' || n.property.type === 'Identifier') property = sub(n.property);
      else {
        return reject(
          source,
          n.property,
          'computed member access',
          'brackets may hold only a literal or a variable name',
          'write `items[0]`, `map["key"]` or `items[i]`',
        );
      }
      return { k: 'member', object, property, optional: n.optional, src: text(n) };
    }
    case 'UnaryExpression': {
      if (n.operator === 'delete')
        return reject(source, n, '`delete`', "removing a property changes the application's state", 'read the property instead');
      if (n.operator === 'void') return reject(source, n, '`void`', 'always yields undefined', 'write `undefined`');
      if (!(UNARY_OPS as readonly string[]).includes(n.operator))
        return reject(source, n, `\`${n.operator}\``, 'is not supported', ALLOWED_SUMMARY);
      return { k: 'unary', op: n.operator as UnaryOp, arg: sub(n.argument) };
    }
    case 'BinaryExpression': {
      if (n.operator === 'instanceof')
        return reject(
          source,
          n,
          '`instanceof`',
          'runs Symbol.hasInstance, which can be application code',
          'compare a field instead, e.g. `err.name == "TypeError"`',
        );
      if (n.operator === 'in') return reject(source, n, '`in`', 'can trigger a Proxy `has` trap', 'use `has(obj, "key")`');
      if (!(BINARY_OPS as readonly string[]).includes(n.operator))
        return reject(source, n, `\`${n.operator}\``, 'is not supported', ALLOWED_SUMMARY);
      return { k: 'binary', op: n.operator as BinaryOp, left: sub(n.left), right: sub(n.right) };
    }
    case 'LogicalExpression':
      return { k: 'logical', op: n.operator, left: sub(n.left), right: sub(n.right) };
    case 'ConditionalExpression':
      return { k: 'cond', test: sub(n.test), then: sub(n.consequent), else: sub(n.alternate) };
    case 'ArrayExpression':
      return {
        k: 'array',
        items: n.elements.map((el) => {
          if (el === null) return { k: 'undef' } as Expr;
          if (el.type === 'SpreadElement')
            return reject(source, el, 'spread `...`', 'spreading iterates with application-defined iterators', 'list the items');
          return sub(el);
        }),
      };
    case 'CallExpression':
      return convertCall(source, n, sub, text);
    case 'AssignmentExpression':
      return reject(
        source,
        n,
        `assignment \`${n.operator}\``,
        "changes the application's state",
        n.operator === '=' ? 'to compare, write `==` or `===`' : 'write the arithmetic without assigning, e.g. `x + 1`',
      );
    case 'UpdateExpression':
      return reject(source, n, `\`${n.operator}\``, "changes the application's state", 'write `x + 1` or `x - 1` instead');
    case 'NewExpression':
      return reject(source, n, '`new`', 'constructing objects runs application code', 'read an existing value instead');
    case 'AwaitExpression':
      return reject(source, n, '`await`', 'a probe cannot wait: it runs synchronously at the line', 'read the value that is already there');
    case 'YieldExpression':
      return reject(source, n, '`yield`', 'generators cannot be resumed from a probe', 'read the value directly');
    case 'ImportExpression':
      return reject(source, n, '`import()`', 'loading modules runs code and does I/O', 'read values already in scope');
    case 'TaggedTemplateExpression':
      return reject(
        source,
        n,
        'tagged template',
        'calls the tag function, which is application code',
        'use a log template `{expr}` instead',
      );
    case 'SequenceExpression':
      return reject(
        source,
        n,
        'comma sequence',
        'evaluates several expressions but keeps one',
        'write a single expression, or use several `{…}` in a log template',
      );
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      return reject(source, n, 'function definition', 'probes cannot define or run functions', ALLOWED_SUMMARY);
    case 'ClassExpression':
      return reject(source, n, 'class definition', 'probes cannot define classes', ALLOWED_SUMMARY);
    case 'ObjectExpression':
      return reject(source, n, 'object literal', 'is not supported', 'compare or log fields one at a time');
    case 'MetaProperty':
      return reject(source, n, `\`${text(n)}\``, 'is not supported', ALLOWED_SUMMARY);
    default:
      return reject(source, n, `\`${text(n)}\``, 'is not supported', ALLOWED_SUMMARY);
  }
}

function convertCall(
  source: string,
  n: Extract<Expression, { type: 'CallExpression' }>,
  sub: (n: AnyNode) => Expr,
  text: (n: AnyNode) => string,
): Expr {
  const args = n.arguments.map((a) => {
    if (a.type === 'SpreadElement')
      return reject(source, a, 'spread `...`', 'spreading iterates with application-defined iterators', 'pass the arguments one by one');
    return sub(a);
  });
  const callee = n.callee;
  if (callee.type === 'Identifier' && (HELPERS as readonly string[]).includes(callee.name)) {
    const name = callee.name as HelperName;
    const arity = name === 'has' ? 2 : 1;
    if (args.length !== arity)
      return reject(
        source,
        n,
        `\`${name}(…)\``,
        `takes ${arity} argument${arity === 1 ? '' : 's'}, got ${args.length}`,
        name === 'has' ? 'write `has(obj, "key")`' : `write \`${name}(value)\``,
      );
    return { k: 'helper', name, args };
  }
  if (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    callee.property.type === 'Identifier' &&
    (METHODS as readonly string[]).includes(callee.property.name)
  ) {
    if (callee.object.type === 'Super') return reject(source, callee, '`super`', 'is not supported', ALLOWED_SUMMARY);
    const name = callee.property.name as MethodName;
    if (args.length !== 1)
      return reject(source, n, `\`.${name}(…)\``, `takes 1 argument, got ${args.length}`, `write \`x.${name}("text")\``);
    return { k: 'method', name, target: sub(callee.object), args, optional: callee.optional || n.optional, src: text(n) };
  }
  return reject(
    source,
    n,
    `call to \`${text(callee)}\``,
    'calling application or built-in functions can change state or run for unbounded time',
    'only len(x), keys(x), has(x, k), str(x) and .startsWith, .endsWith, .includes on strings and arrays may be called',
  );
}
