// Cuts a bundled CommonJS file (the agent's mqtt) into pieces of under 60,000 characters, which
// agent/src/commonjs-pieces.ts compiles one by one. Why: glibc raises its mmap threshold, for the
// whole process and for good, to the largest mmapped block it frees, and V8 frees blocks the
// size of a script's source when the inspector hashes it (Debugger.enable) or copies it as UTF-16
// (the script collected while the debugger is on): ~600 KB of mqtt raised the app's threshold to
// 1.2 MB, after which each malloc arena keeps up to 2.4 MiB it freed (docs/decisions.md, "The
// agent's files stay under glibc's mmap threshold"). Pieces of under 60,000 characters stay under
// 128 KiB in UTF-16.
//
// The file's top-level declarations (all `var`, as esbuild writes a CommonJS bundle) become
// properties of one scope object every piece gets, so a piece reads what another declared.
import { parse } from 'acorn';
import { analyze } from 'eslint-scope';

/** Between two pieces in the file; the runtime splits on it. */
export const PIECE_SEPARATOR = '\n/*liveprobe:piece*/\n';
/** The parameter naming the shared scope in each piece. */
export const PIECE_SCOPE = '__liveprobeScope';
const MAX_PIECE_CHARS = 60_000;

/** `code` (a bundled CommonJS file) as the text of its pieces, separated by PIECE_SEPARATOR. */
export function toCommonJsPieces(code) {
  for (const word of [PIECE_SEPARATOR, PIECE_SCOPE])
    if (code.includes(word)) throw new Error(`the bundle already holds ${JSON.stringify(word)}: pick another word in commonjs-pieces.mjs`);
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'script', ranges: true });
  const { globalScope } = analyze(ast, { ecmaVersion: 2022, sourceType: 'script' });
  const { shorthand, callees } = identifiersInPlace(ast);
  /** Start offset → [end, replacement]. */
  const edits = new Map();
  const scoped = (name) => `${PIECE_SCOPE}.${name}`;
  for (const variable of globalScope.variables) {
    for (const def of variable.defs) {
      if (def.type !== 'Variable' || def.parent.kind !== 'var' || def.node.id.type !== 'Identifier' || !ast.body.includes(def.parent))
        throw new Error(`\`${variable.name}\` is not a top-level \`var\` of one name: commonjs-pieces.mjs cannot share it between pieces`);
      edits.set(def.node.id.start, [def.node.id.end, scoped(variable.name)]);
    }
    for (const { identifier } of variable.references) {
      const name = scoped(variable.name);
      // `f()` calls f with `this` undefined; `scope.f()` would pass the scope.
      const text = shorthand.has(identifier) ? `${variable.name}:${name}` : callees.has(identifier) ? `(0,${name})` : name;
      edits.set(identifier.start, [identifier.end, text]);
    }
  }
  const strict = ast.body[0]?.type === 'ExpressionStatement' && ast.body[0].directive === 'use strict';
  const statements = ast.body.slice(strict ? 1 : 0).map((statement) => {
    const inside = [...edits].filter(([start]) => start >= statement.start && start < statement.end).sort((a, b) => b[0] - a[0]);
    let text = code.slice(statement.start, statement.end);
    for (const [start, [end, replacement]] of inside)
      text = text.slice(0, start - statement.start) + replacement + text.slice(end - statement.start);
    // `var a=1,b=2;` → `a=1,b=2;` (the names now properties of the scope).
    return statement.type === 'VariableDeclaration' ? text.replace(/^var\s+/, '') : text;
  });
  const head = strict ? '"use strict";' : '';
  const pieces = [];
  let piece = head;
  for (const text of statements) {
    if (piece.length > head.length && piece.length + text.length + 1 > MAX_PIECE_CHARS) {
      pieces.push(piece);
      piece = head;
    }
    piece += `${text}\n`;
  }
  pieces.push(piece);
  const longest = Math.max(...pieces.map((p) => p.length));
  if (longest > MAX_PIECE_CHARS)
    throw new Error(`a top-level statement of ${longest} characters: over ${MAX_PIECE_CHARS}, one piece cannot hold it`);
  return pieces.join(PIECE_SEPARATOR);
}

/**
 * The identifiers that are the value of a shorthand property (`{ a }`, which `{ a: scope.a }` must
 * replace whole) and those called (`a()`, which `(0, scope.a)()` replaces).
 */
function identifiersInPlace(ast) {
  const shorthand = new Set();
  const callees = new Set();
  const visit = (node) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node.type !== 'string') return;
    if (node.type === 'Property' && node.shorthand && node.value.type === 'Identifier') shorthand.add(node.value);
    if (node.type === 'CallExpression' && node.callee.type === 'Identifier') callees.add(node.callee);
    if (node.type === 'TaggedTemplateExpression' && node.tag.type === 'Identifier') callees.add(node.tag);
    for (const key of Object.keys(node)) if (key !== 'type') visit(node[key]);
  };
  visit(ast);
  return { shorthand, callees };
}
