/**
 * The identifier prefix of the agent's own code at a probed line: breakpoint conditions and
 * prepared sites name their helpers with it. No expression may name it, so an expression
 * only ever reads the application's bindings.
 */
export const RESERVED_PREFIX = '$lp';
