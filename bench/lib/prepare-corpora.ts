/** The corpora whose cold prepare cost prepare-speed measures, and scripts/prepare-stages.mjs breaks down. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CORPORA = [
  { label: 'typescript 5 (lib/typescript.js, one file)', paths: ['node_modules/typescript/lib/typescript.js'] },
  {
    label: 'small files: express 4 lib, marked, acorn, and the six packages whose suites run prepared',
    paths: [
      'node_modules/express/lib',
      'node_modules/marked/lib/marked.cjs',
      'node_modules/acorn/dist/acorn.js',
      'node_modules/qs',
      'node_modules/minimist',
      'node_modules/side-channel',
      'node_modules/function-bind',
      'node_modules/is-regex',
      'node_modules/es-to-primitive',
    ],
  },
] as const;

/** A path's .js, .cjs and .mjs files, nested node_modules left out. */
export function jsFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : jsFiles(child);
    return /\.(c|m)?js$/.test(entry.name) ? [child] : [];
  });
}
