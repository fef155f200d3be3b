// Folders for `liveprobe prepare` tests: real libraries to prepare, and a folder read back whole,
// so two outputs can be compared byte for byte.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fromRoot } from '@liveprobe/harness';

/**
 * Writes `input` with real libraries of several sizes and both module kinds (express, marked,
 * acorn from node_modules), plus `legacy.js`, a file the transform leaves as written (`with`).
 */
export function libraryTree(input: string): void {
  cpSync(fromRoot('node_modules/express/lib'), join(input, 'express'), { recursive: true });
  cpSync(fromRoot('node_modules/marked/lib'), join(input, 'marked'), { recursive: true });
  cpSync(fromRoot('node_modules/acorn/dist'), join(input, 'acorn'), { recursive: true });
  writeFileSync(join(input, 'legacy.js'), 'with (Math) {\n  console.log(max(1, 2));\n}\n');
}

/** Every file under `dir` with its bytes, by relative path. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(dir, path)] = readFileSync(path, 'latin1');
  }
  return out;
}
