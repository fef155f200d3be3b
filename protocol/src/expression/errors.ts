/** A rejected expression: where, what construct, and what to write instead. */
export class ExpressionError extends Error {
  readonly code = 'invalid_expression';
  constructor(
    readonly source: string,
    /** 0-based offset into `source`. */
    readonly position: number,
    readonly construct: string,
    readonly reason: string,
    readonly hint?: string,
  ) {
    super(`${construct} at column ${position + 1} of \`${source}\`: ${reason}` + (hint === undefined ? '' : ` — ${hint}`));
    this.name = 'ExpressionError';
  }

  /** The same error, with its position shifted to where the expression sits in a larger text. */
  within(outer: string, offset: number): ExpressionError {
    return new ExpressionError(outer, this.position + offset, this.construct, this.reason, this.hint);
  }
}
