/**
 * The transform's default parser: acorn, with no `ranges` and no `locations` (the transform
 * reads each node's `start` and `end` only), its comments collected in source order.
 */
import { parse, type Comment, type Options, type Program } from 'acorn';

/** Throws acorn's SyntaxError. */
export function parseWithComments(
  source: string,
  options: Omit<Options, 'ranges' | 'locations' | 'onComment'>,
  comments: Comment[],
): Program {
  return parse(source, { ...options, onComment: comments });
}
