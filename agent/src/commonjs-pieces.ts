/**
 * Runs a bundled CommonJS file of the agent's that the build cut into pieces
 * (agent/scripts/commonjs-pieces.mjs: mqtt, for the app thread's standby link and the worker's
 * broker link). Each piece is compiled as a script of its own, under 60,000 characters: V8 frees
 * a block the size of a script's source when the inspector hashes it, and twice that when it
 * copies the source of a script collected while the debugger is on; blocks over 128 KiB raise
 * glibc's mmap threshold for the whole process (docs/decisions.md, "The agent's files stay under
 * glibc's mmap threshold"). The file's top-level names are properties of one scope object every
 * piece gets. Line numbers in stack traces are the file's own.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import { readOwnFileText } from './own-file-text.js';

/** As agent/scripts/commonjs-pieces.mjs writes them. */
const PIECE_SEPARATOR = '\n/*liveprobe:piece*/\n';
const PIECE_SCOPE = '__liveprobeScope';

const { create } = Object;
const apply = Reflect.apply;
const split = String.prototype.split;
const indexOf = String.prototype.indexOf;

/** The CommonJS wrapper's parameters, in Node's order. */
export const COMMONJS_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'] as const;

/** Runs `file`'s pieces in order, each a function of `params` (and the shared scope) called with `args`. */
export function runCommonJsPieces(file: string, params: readonly string[], args: readonly unknown[]): void {
  const pieces = apply(split, readOwnFileText(file), [PIECE_SEPARATOR]) as string[];
  const scope: object = create(null);
  let lineOffset = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    apply(compileFunction(piece, [...params, PIECE_SCOPE], { filename: file, lineOffset }), undefined, [...args, scope]);
    lineOffset += newlines(piece) + newlines(PIECE_SEPARATOR);
  }
}

/** `file`'s exports, the globals it reads this thread's own (the worker's, where no app code runs). Not put in any require cache. */
export function requireCommonJsPieces(file: string): unknown {
  const module = { exports: {} };
  runCommonJsPieces(file, COMMONJS_PARAMS, [module.exports, createRequire(file), module, file, dirname(file)]);
  return module.exports;
}

function newlines(text: string): number {
  let count = 0;
  for (let at = apply(indexOf, text, ['\n']) as number; at !== -1; at = apply(indexOf, text, ['\n', at + 1]) as number) count++;
  return count;
}
