/**
 * The files `liveprobe prepare` looks at under a folder: every JavaScript file, with the module
 * kind Node gives it (`.mjs`, `.cjs`, or the nearest package.json's `type` for `.js`), and every
 * other file (copied as it is when writing into another folder). `node_modules` is entered only
 * when asked, the agent's own packages never, and an output folder inside the input is skipped.
 * A folder of the browser's files (browser-folders.ts) is copied, never prepared.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { browserFolder } from './browser-folders.js';

export interface TreeFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the folder, with `/`. */
  relative: string;
  /** undefined: not JavaScript (copied, never prepared). */
  kind?: 'module' | 'commonjs';
}

export interface TreeOptions {
  nodeModules: boolean;
  /** Folders never entered (the output folder, when it is inside the input). */
  skip: string[];
}

/** A folder of the browser's files: its files are listed as other files, to copy. */
export interface BrowserFolder {
  /** Relative to the folder prepared, with `/`. */
  path: string;
  reason: string;
}

export interface Tree {
  files: TreeFile[];
  nodeModulesSkipped: number;
  browserFolders: BrowserFolder[];
}

export function treeFiles(root: string, options: TreeOptions): Tree {
  const files: TreeFile[] = [];
  let nodeModulesSkipped = 0;
  const browserFolders: BrowserFolder[] = [];
  const kinds = new PackageTypes();
  const visit = (dir: string, browser: boolean): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (options.skip.includes(path) || entry.name === '.git') continue;
        if (entry.name === 'node_modules' && !options.nodeModules) {
          nodeModulesSkipped++;
          continue;
        }
        // The agent's own code never gets probe sites.
        if (entry.name === '@liveprobe' && dir.endsWith(`${sep}node_modules`)) continue;
        const reason = browser ? undefined : browserFolder(dir, entry.name);
        if (reason !== undefined) browserFolders.push({ path: relativePath(root, path), reason });
        visit(path, browser || reason !== undefined);
      } else if (entry.isFile()) {
        files.push({ path, relative: relativePath(root, path), ...(browser ? {} : kindOf(path, kinds)) });
      }
    }
  };
  const rootReason = browserFolder(dirname(root), basename(root));
  if (rootReason !== undefined) browserFolders.push({ path: '.', reason: rootReason });
  visit(root, rootReason !== undefined);
  return { files, nodeModulesSkipped, browserFolders };
}

function relativePath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

function kindOf(path: string, kinds: PackageTypes): { kind?: 'module' | 'commonjs' } {
  if (path.endsWith('.mjs')) return { kind: 'module' };
  if (path.endsWith('.cjs')) return { kind: 'commonjs' };
  if (path.endsWith('.js')) return { kind: kinds.of(dirname(path)) };
  return {};
}

/** The `type` of the package.json nearest a folder, as Node decides how to load a `.js` file. */
class PackageTypes {
  private readonly byDir = new Map<string, 'module' | 'commonjs'>();

  of(dir: string): 'module' | 'commonjs' {
    const known = this.byDir.get(dir);
    if (known !== undefined) return known;
    let kind: 'module' | 'commonjs';
    const type = readType(join(dir, 'package.json'));
    if (type !== undefined) kind = type === 'module' ? 'module' : 'commonjs';
    else kind = dirname(dir) === dir ? 'commonjs' : this.of(dirname(dir));
    this.byDir.set(dir, kind);
    return kind;
  }
}

/** The file's `type` ('commonjs' when it has none), or undefined when there is no package.json. */
function readType(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const type = (JSON.parse(text) as { type?: unknown }).type;
    return typeof type === 'string' ? type : 'commonjs';
  } catch {
    return 'commonjs';
  }
}
