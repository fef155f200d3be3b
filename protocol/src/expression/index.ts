export * from './ast.js';
export { ExpressionError } from './errors.js';
export { checkExpression, MAX_EXPRESSION_LENGTH } from './check.js';
export { checkTemplate, MAX_TEMPLATE_LENGTH } from './template.js';
export { bigintRefusal, MAX_BIGINT_BITS } from './bigint-bounds.js';
export { RESERVED_PREFIX } from './reserved.js';
