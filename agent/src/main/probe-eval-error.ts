/** Why evaluating an expression at a hit failed; reported as the action's `error` status, never thrown into the app. */
export class ProbeEvalError extends Error {
  override name = 'ProbeEvalError';
}
