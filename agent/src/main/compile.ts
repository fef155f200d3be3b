/**
 * Compiles a checked expression into a closure over a hit's captured values. The closures
 * only call the safe readers in safe-read.ts, so evaluating one never runs application code.
 */
import type { Expr, TemplatePart } from '@liveprobe/protocol';
import { describeForTemplate } from './describe.js';
import { binary, callMethod, hasKey, keysOf, lengthOf, ProbeEvalError, readProperty, unary } from './safe-read.js';

/** What a breakpoint condition captured at the line. */
export interface Frame {
  values: unknown[];
  self: unknown;
}

/** Marks a variable V8 did not keep in the paused frame's scope. */
export const NOT_AVAILABLE: unique symbol = Symbol('liveprobe.not-available');

export type Compiled = (frame: Frame) => unknown;

const MAX_KEYS = 100;

export function compileExpression(expr: Expr, roots: readonly string[]): Compiled {
  switch (expr.k) {
    case 'lit': {
      const v = expr.v;
      return () => v;
    }
    case 'undef':
      return () => undefined;
    case 'this':
      return (f) => f.self;
    case 'id': {
      const index = roots.indexOf(expr.name);
      const name = expr.name;
      return (f) => {
        const v = f.values[index];
        if (v === NOT_AVAILABLE) {
          throw new ProbeEvalError(`\`${name}\` is not available at this line (not defined here, or not kept by V8 because the function never uses it)`);
        }
        return v;
      };
    }
    case 'member': {
      const object = compileExpression(expr.object, roots);
      const property = compileExpression(expr.property, roots);
      const { optional, src } = expr;
      const objectText = sourceOf(expr.object);
      return (f) => {
        const o = object(f);
        if (o === null || o === undefined) {
          if (optional) return undefined;
          throw new ProbeEvalError(`\`${src}\`: ${objectText} is ${String(o)}`);
        }
        return readProperty(o, property(f), src);
      };
    }
    case 'unary': {
      const arg = compileExpression(expr.arg, roots);
      const op = expr.op;
      return (f) => unary(op, arg(f));
    }
    case 'binary': {
      const left = compileExpression(expr.left, roots);
      const right = compileExpression(expr.right, roots);
      const op = expr.op;
      return (f) => binary(op, left(f), right(f));
    }
    case 'logical': {
      const left = compileExpression(expr.left, roots);
      const right = compileExpression(expr.right, roots);
      if (expr.op === '&&') return (f) => left(f) && right(f);
      if (expr.op === '||') return (f) => left(f) || right(f);
      return (f) => left(f) ?? right(f);
    }
    case 'cond': {
      const test = compileExpression(expr.test, roots);
      const then = compileExpression(expr.then, roots);
      const otherwise = compileExpression(expr.else, roots);
      return (f) => (test(f) ? then(f) : otherwise(f));
    }
    case 'array': {
      const items = expr.items.map((item) => compileExpression(item, roots));
      return (f) => items.map((item) => item(f));
    }
    case 'helper': {
      const args = expr.args.map((arg) => compileExpression(arg, roots));
      const [first, second] = args as [Compiled, Compiled | undefined];
      switch (expr.name) {
        case 'len': return (f) => lengthOf(first(f));
        case 'keys': return (f) => keysOf(first(f), MAX_KEYS);
        case 'has': return (f) => hasKey(first(f), second!(f));
        case 'str': return (f) => describeForTemplate(first(f));
      }
      throw new ProbeEvalError("unknown helper");
    }
    case 'method': {
      const target = compileExpression(expr.target, roots);
      const arg = compileExpression(expr.args[0]!, roots);
      const { name, optional, src } = expr;
      return (f) => {
        const t = target(f);
        if ((t === null || t === undefined) && optional) return undefined;
        return callMethod(name, t, arg(f), src);
      };
    }
  }
}

/** A short source-like rendering of a node, for error messages. */
function sourceOf(expr: Expr): string {
  switch (expr.k) {
    case 'id': return expr.name;
    case 'this': return 'this';
    case 'member': return expr.src;
    case 'method': return expr.src;
    default: return 'the value';
  }
}

export type CompiledTemplate = (frame: Frame) => string;

/** `onError` receives a placeholder's failure; the line is still produced with the error in its place. */
export function compileTemplate(
  parts: readonly TemplatePart[],
  roots: readonly string[],
  onError: (message: string) => void,
): CompiledTemplate {
  const pieces = parts.map((part): Compiled | string => ('text' in part ? part.text : compileExpression(part.expr, roots)));
  return (frame) => {
    let out = '';
    for (const piece of pieces) {
      if (typeof piece === 'string') out += piece;
      else {
        // One failing placeholder should not hide the rest of the line.
        try {
          out += describeForTemplate(piece(frame));
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          onError(message);
          out += `<${message}>`;
        }
      }
    }
    return out;
  };
}
