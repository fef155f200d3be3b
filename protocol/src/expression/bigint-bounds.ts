/**
 * How much work one bigint operation of an expression may cause. A bigint `**`, `*` or `<<`
 * can build a number of millions of bits from small operands (`(3n ** 100000n) ** 300n` held an
 * app's event loop for over a second), so every operation is checked against a bound on the
 * bits of its operands and of its result before it runs: by the agent at each hit, and by the
 * checker for the parts of an expression that are constant.
 */
import type { Expr } from './ast.js';
import { ExpressionError } from './errors.js';

/** The most bits a bigint operand or result of an expression may have (about 19,700 decimal digits). */
export const MAX_BIGINT_BITS = 65_536;

const TOO_BIG = 1n << BigInt(MAX_BIGINT_BITS);

// The agent runs these checks inside the app, which may replace built-ins after the agent
// loaded: everything is captured now and called without a lookup on a prototype.
const { max, abs } = Math;
const toNumber = Number;
const bigintToString = Function.prototype.call.bind(BigInt.prototype.toString) as (value: bigint, radix: number) => string;

/** Bits of `|value|`, or MAX_BIGINT_BITS + 1 for anything larger (found without converting it). */
export function bigintBits(value: bigint): number {
  const magnitude = value < 0n ? -value : value;
  if (magnitude >= TOO_BIG) return MAX_BIGINT_BITS + 1;
  return magnitude === 0n ? 0 : bigintToString(magnitude, 2).length;
}

/** Why `left op right` would be too much work for a probe; undefined when it is within the bound. */
export function bigintRefusal(op: string, left: bigint, right: bigint): string | undefined {
  const a = bigintBits(left);
  const b = bigintBits(right);
  const limit = `a probe computes bigints of at most ${MAX_BIGINT_BITS} bits`;
  if (a > MAX_BIGINT_BITS || b > MAX_BIGINT_BITS) return `an operand has more than ${MAX_BIGINT_BITS} bits; ${limit}`;
  let result = max(a, b) + 1;
  if (op === '*') result = a + b;
  else if (op === '**') result = a <= 1 || right <= 0n ? a : a * toNumber(right);
  else if ((op === '<<' && right > 0n) || (op === '>>' && right < 0n)) result = a === 0 ? 0 : a + abs(toNumber(right));
  return result > MAX_BIGINT_BITS ? `the result would have about ${result} bits; ${limit}` : undefined;
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '**', '&', '|', '^', '<<', '>>']);

/**
 * Refuses an expression whose constant bigint parts are already too big (`(3n ** 100000n) ** 300n`)
 * or that raises or shifts by a constant too large for any operand but 0, 1 and -1.
 */
export function checkBigintSizes(source: string, expr: Expr): void {
  constantBigint(source, expr);
}

/** The value of a constant bigint subexpression, or undefined when it depends on the app. */
function constantBigint(source: string, expr: Expr): bigint | undefined {
  switch (expr.k) {
    case 'bigint':
      return BigInt(expr.v);
    case 'unary': {
      const arg = constantBigint(source, expr.arg);
      return arg !== undefined && expr.op === '-' ? -arg : undefined;
    }
    case 'binary': {
      const left = constantBigint(source, expr.left);
      const right = constantBigint(source, expr.right);
      if (!ARITHMETIC.has(expr.op)) return undefined;
      const growth = expr.op === '>>' && right !== undefined ? -right : right;
      if (growth !== undefined && left === undefined && ['**', '<<', '>>'].includes(expr.op) && growth > BigInt(MAX_BIGINT_BITS)) {
        refuse(source, expr.op, `raising or shifting by ${growth} gives more than ${MAX_BIGINT_BITS} bits for any value but 0, 1 and -1`);
      }
      if (left === undefined || right === undefined) return undefined;
      const refusal = bigintRefusal(expr.op, left, right);
      if (refusal !== undefined) refuse(source, expr.op, refusal);
      return evaluate(expr.op, left, right);
    }
    default:
      for (const child of children(expr)) constantBigint(source, child);
      return undefined;
  }
}

function evaluate(op: string, a: bigint, b: bigint): bigint | undefined {
  try {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      case '%':
        return a % b;
      case '**':
        return a ** b;
      case '&':
        return a & b;
      case '|':
        return a | b;
      case '^':
        return a ^ b;
      case '<<':
        return a << b;
      case '>>':
        return a >> b;
    }
  } catch {
    // Division by zero, a negative exponent: the agent reports it at the hit.
  }
  return undefined;
}

function children(expr: Expr): Expr[] {
  switch (expr.k) {
    case 'member':
      return [expr.object, expr.property];
    case 'logical':
      return [expr.left, expr.right];
    case 'cond':
      return [expr.test, expr.then, expr.else];
    case 'array':
      return expr.items;
    case 'helper':
      return expr.args;
    case 'method':
      return [expr.target, ...expr.args];
    default:
      return [];
  }
}

function refuse(source: string, op: string, reason: string): never {
  throw new ExpressionError(source, 0, `bigint \`${op}\``, reason, 'compare or log smaller values');
}
