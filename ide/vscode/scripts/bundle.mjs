// Bundles the extension into one CommonJS file: VS Code loads extensions with require(), and the
// .vsix then needs no node_modules. `vscode` is the editor's own module.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../src/extension.ts', import.meta.url).pathname],
  outfile: new URL('../dist/extension.cjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: 'linked',
  logLevel: 'warning',
});
