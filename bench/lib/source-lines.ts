import { readFileSync } from 'node:fs';
import { fromRoot } from './paths.js';

/** The 1-based line of `file` (repository-relative) carrying the marker comment `probe: <marker>`. */
export function lineOf(file: string, marker: string): number {
  const lines = readFileSync(fromRoot(file), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`probe: ${marker}`));
  if (index === -1) throw new Error(`${file} has no line marked \`probe: ${marker}\``);
  return index + 1;
}
