/**
 * The fields of each ESTree node type that can hold child nodes, so the transform's walks read
 * two or three fields of a node instead of enumerating all of them (type, offsets, flags): the
 * enumeration was the rewrite's hottest function on typescript.js (6% of a warm pass), and
 * stays megamorphic over every node shape. The lists follow ESTree as acorn builds it
 * (ES2025) and oxc-parser's ESTree for JavaScript (its `decorators`); a type not listed here is
 * enumerated field by field (ast.ts), so a parser's extra node types are still walked whole.
 */

const NONE: readonly string[] = [];
const FUNCTION = ['id', 'params', 'body'];
const BINARY = ['left', 'right'];
const ARGUMENT = ['argument'];
const BODY = ['body'];
const CALL = ['callee', 'arguments'];
const CLASS = ['decorators', 'id', 'superClass', 'body'];
const CONDITIONAL = ['test', 'consequent', 'alternate'];
const EXPRESSION = ['expression'];
const LABEL = ['label'];
const LOCAL = ['local'];
const LOOP_OVER = ['left', 'right', 'body'];
const MEMBER = ['decorators', 'key', 'value'];

export const CHILD_KEYS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['Identifier', NONE],
  ['Literal', NONE],
  ['ThisExpression', NONE],
  ['Super', NONE],
  ['TemplateElement', NONE],
  ['PrivateIdentifier', NONE],
  ['EmptyStatement', NONE],
  ['DebuggerStatement', NONE],
  ['MemberExpression', ['object', 'property']],
  ['CallExpression', CALL],
  ['NewExpression', CALL],
  ['ExpressionStatement', EXPRESSION],
  ['ChainExpression', EXPRESSION],
  ['ParenthesizedExpression', EXPRESSION],
  ['Property', ['key', 'value']],
  ['VariableDeclaration', ['declarations']],
  ['VariableDeclarator', ['id', 'init']],
  ['AssignmentExpression', BINARY],
  ['AssignmentPattern', BINARY],
  ['BinaryExpression', BINARY],
  ['LogicalExpression', BINARY],
  ['BlockStatement', BODY],
  ['ClassBody', BODY],
  ['StaticBlock', BODY],
  ['Program', BODY],
  ['ReturnStatement', ARGUMENT],
  ['UnaryExpression', ARGUMENT],
  ['UpdateExpression', ARGUMENT],
  ['AwaitExpression', ARGUMENT],
  ['YieldExpression', ARGUMENT],
  ['ThrowStatement', ARGUMENT],
  ['SpreadElement', ARGUMENT],
  ['RestElement', ARGUMENT],
  ['ObjectExpression', ['properties']],
  ['ObjectPattern', ['properties']],
  ['ArrayExpression', ['elements']],
  ['ArrayPattern', ['elements']],
  ['FunctionExpression', FUNCTION],
  ['FunctionDeclaration', FUNCTION],
  ['ArrowFunctionExpression', FUNCTION],
  ['IfStatement', CONDITIONAL],
  ['ConditionalExpression', CONDITIONAL],
  ['MethodDefinition', MEMBER],
  ['PropertyDefinition', MEMBER],
  ['ClassDeclaration', CLASS],
  ['ClassExpression', CLASS],
  ['SequenceExpression', ['expressions']],
  ['TemplateLiteral', ['quasis', 'expressions']],
  ['TaggedTemplateExpression', ['tag', 'quasi']],
  ['ForStatement', ['init', 'test', 'update', 'body']],
  ['ForInStatement', LOOP_OVER],
  ['ForOfStatement', LOOP_OVER],
  ['WhileStatement', ['test', 'body']],
  ['DoWhileStatement', ['body', 'test']],
  ['SwitchStatement', ['discriminant', 'cases']],
  ['SwitchCase', ['test', 'consequent']],
  ['TryStatement', ['block', 'handler', 'finalizer']],
  ['CatchClause', ['param', 'body']],
  ['LabeledStatement', ['label', 'body']],
  ['BreakStatement', LABEL],
  ['ContinueStatement', LABEL],
  ['WithStatement', ['object', 'body']],
  ['ImportDeclaration', ['specifiers', 'source', 'attributes']],
  ['ImportSpecifier', ['imported', 'local']],
  ['ImportDefaultSpecifier', LOCAL],
  ['ImportNamespaceSpecifier', LOCAL],
  ['ImportAttribute', ['key', 'value']],
  ['ImportExpression', ['source', 'options']],
  ['ExportNamedDeclaration', ['declaration', 'specifiers', 'source', 'attributes']],
  ['ExportDefaultDeclaration', ['declaration']],
  ['ExportAllDeclaration', ['exported', 'source', 'attributes']],
  ['ExportSpecifier', ['local', 'exported']],
  ['MetaProperty', ['meta', 'property']],
]);

/** A node that never holds another (an identifier, a literal): nothing to walk into. */
export function isLeaf(node: { type: string }): boolean {
  return CHILD_KEYS.get(node.type) === NONE;
}
