/**
 * The transform's parser: acorn, with each node's `range` computed when read instead of stored.
 * eslint-scope reads `range` only to resolve references in parameter defaults, and acorn's
 * `ranges` option allocated a `[start, end]` array for every node: a quarter of the parse's CPU
 * time on a large file, and half as much heap again (typescript.js: 137 → 209 MB) for the garbage
 * collector to move.
 */
import * as acorn from 'acorn';
import type { Comment, Options, Program } from 'acorn';

interface NodeConstructor {
  new (parser: unknown, pos: number, loc?: unknown): { start: number; end: number };
}

/** acorn's node class: exported at run time, declared only as an interface by its types. */
const AcornNode = (acorn as unknown as { Node: NodeConstructor }).Node;

class LazyRangeNode extends AcornNode {
  get range(): [number, number] {
    return [this.start, this.end];
  }
}

/** acorn's parser state, as far as making nodes needs it. */
interface ParserState {
  start: number;
  startLoc: unknown;
}

// Overrides acorn's three node factories (not in its type declarations).
class LazyRangeParser extends acorn.Parser {
  startNode(this: ParserState): LazyRangeNode {
    return new LazyRangeNode(this, this.start, this.startLoc);
  }

  startNodeAt(pos: number, loc: unknown): LazyRangeNode {
    return new LazyRangeNode(this, pos, loc);
  }

  copyNode(this: ParserState, node: Record<string, unknown>): LazyRangeNode {
    const copy = new LazyRangeNode(this, node.start as number, this.startLoc) as unknown as Record<string, unknown>;
    for (const key in node) copy[key] = node[key];
    return copy as unknown as LazyRangeNode;
  }
}

/** Throws acorn's SyntaxError. `options.ranges` must not be set: every node has `range` already. */
export function parseWithRanges(source: string, options: Omit<Options, 'ranges'>, comments: Comment[]): Program {
  return LazyRangeParser.parse(source, { ...options, onComment: comments });
}
