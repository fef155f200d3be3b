// Lines of example and fixture code found by their `// probe: <marker>` comment, not by number.
import { readFileSync } from 'node:fs';
import { fromRoot } from './paths.js';

/**
 * The 1-based line number of the line marked `// probe: <marker>` in `file`, so tests keep
 * pointing at the right statement when the example is edited.
 */
export function lineOf(file: string, marker: string): number {
  const escaped = marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`probe: ${escaped}(?![\\w-])`);
  const lines = readFileSync(fromRoot(file), 'utf8').split('\n');
  const found = lines.flatMap((line, index) => (pattern.test(line) ? [index + 1] : []));
  if (found.length !== 1) {
    throw new Error(`expected one line marked \`probe: ${marker}\` in ${file}, found ${found.length}`);
  }
  return found[0] as number;
}
