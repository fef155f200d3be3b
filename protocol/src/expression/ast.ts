/**
 * The checked form of an expression: what the control plane accepted and what the agent
 * compiles. Only these nodes exist, so nothing outside the language can be expressed.
 */
export type Literal = string | number | boolean | null;

export const HELPERS = ['len', 'keys', 'has', 'str'] as const;
export type HelperName = (typeof HELPERS)[number];

export const METHODS = ['startsWith', 'endsWith', 'includes'] as const;
export type MethodName = (typeof METHODS)[number];

export const UNARY_OPS = ['!', '-', '+', '~', 'typeof'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = [
  '==',
  '!=',
  '===',
  '!==',
  '<',
  '<=',
  '>',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '&',
  '|',
  '^',
  '<<',
  '>>',
  '>>>',
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export type LogicalOp = '&&' | '||' | '??';

export type Expr =
  | { k: 'lit'; v: Literal }
  /** Decimal digits: bigints do not survive JSON. */
  | { k: 'bigint'; v: string }
  | { k: 'undef' }
  | { k: 'id'; name: string }
  | { k: 'this' }
  | { k: 'member'; object: Expr; property: Expr; optional: boolean; src: string }
  | { k: 'unary'; op: UnaryOp; arg: Expr }
  | { k: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { k: 'logical'; op: LogicalOp; left: Expr; right: Expr }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr }
  | { k: 'array'; items: Expr[] }
  | { k: 'helper'; name: HelperName; args: Expr[] }
  | { k: 'method'; name: MethodName; target: Expr; args: Expr[]; optional: boolean; src: string };

/** A checked expression together with the names it reads from the frame. */
export interface CheckedExpression {
  source: string;
  expr: Expr;
  /** Free identifiers, in first-use order: the values a probe must capture at the line. */
  roots: string[];
  usesThis: boolean;
}

export type TemplatePart = { text: string } | { source: string; offset: number; expr: Expr };

export interface CheckedTemplate {
  source: string;
  parts: TemplatePart[];
  roots: string[];
  usesThis: boolean;
}
