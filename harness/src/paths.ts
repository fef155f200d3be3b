// Paths in this repository, whether the caller runs from source (tests under tsx) or from dist/ (benchmarks).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Resolves a repository-relative path (absolute paths pass through). */
export function fromRoot(path: string): string {
  return isAbsolute(path) ? path : join(repoRoot, path);
}

/** A built entry point; failing here beats a child process dying with MODULE_NOT_FOUND. */
export function builtFile(path: string): string {
  const file = fromRoot(path);
  if (!existsSync(file)) throw new Error(`${path} is not built: run \`npm run build\` first`);
  return file;
}
