import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
/** The repository root, from bench/lib (source) or bench/dist/lib (built) alike. */
export const repoRoot = here.slice(0, here.lastIndexOf('/bench/') + 1);

export function fromRoot(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

/** A file of bench/fixtures (plain JavaScript, not compiled, so its line numbers are what actions name). */
export function fixture(name: string): string {
  return fromRoot('bench', 'fixtures', name);
}
