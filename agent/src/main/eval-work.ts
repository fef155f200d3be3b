/**
 * The work one evaluation of an expression may do. The language has no loops, so most of an
 * expression's cost is its size; what is not (scanning an array for `.includes`, long strings,
 * big bigints) is counted here as it happens, and the evaluation stops with an error naming the
 * limit once the total passes it. Evaluations are synchronous on one thread, so one counter
 * serves them all: each top-level evaluation starts it again.
 */
import { ProbeEvalError } from './probe-eval-error.js';

/** Steps one evaluation may take: a node evaluated, an item scanned, 64 characters compared or copied. */
export const MAX_EVALUATION_STEPS = 100_000;
/** Characters of the longest string an expression may build with `+`. */
export const MAX_BUILT_STRING = 1_048_576;

let left = MAX_EVALUATION_STEPS;

/** Starts an evaluation that costs `steps` before anything dynamic (its number of nodes). */
export function startEvaluation(steps: number): void {
  left = MAX_EVALUATION_STEPS;
  spend(steps);
}

export function spend(steps: number): void {
  left -= steps;
  if (left < 0) {
    throw new ProbeEvalError(
      `the expression did more than ${MAX_EVALUATION_STEPS} steps of work (nodes, items scanned, characters compared), the limit of one evaluation; test a narrower value`,
    );
  }
}

/** Steps for handling `length` characters. */
export function textSteps(length: number): number {
  return length >> 6;
}
