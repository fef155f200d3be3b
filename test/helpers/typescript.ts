// tsc's own output of TypeScript fixtures, with source maps, as an app built with tsc deploys it.
import { Child, fromRoot } from '@liveprobe/harness';

export interface TypeScriptBuild {
  outDir: string;
  module: 'commonjs' | 'es2022' | 'nodenext';
  moduleResolution?: 'node10' | 'bundler';
  rootDir?: string;
}

/** Compiles `files` for Node (es2022, Node's types) into `outDir`; throws with tsc's output when it fails. */
export async function compileTypeScript(files: string[], build: TypeScriptBuild): Promise<void> {
  const args = [
    ...['--outDir', build.outDir, '--sourceMap', '--module', build.module],
    ...(build.moduleResolution === undefined ? [] : ['--moduleResolution', build.moduleResolution]),
    ...(build.rootDir === undefined ? [] : ['--rootDir', build.rootDir]),
    ...['--target', 'es2022', '--types', 'node'],
    ...files,
  ];
  const tsc = new Child(process.execPath, [fromRoot('node_modules/typescript/bin/tsc'), ...args], { name: 'tsc' });
  const { code } = await tsc.exited;
  await tsc.closed;
  if (code !== 0) throw new Error(`tsc exited with ${code}:\n${tsc.output()}`);
}
