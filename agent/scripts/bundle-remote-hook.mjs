// Bundles the probe hook (agent/src/main/probe-hook.ts and its imports) into one script that
// `liveprobe attach` injects into a remote target with Runtime.evaluate. Run by the root build.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const agent = fileURLToPath(new URL('..', import.meta.url));
const target = `${agent}src/remote/target/`;
/** Frames of this script start with the hook's own directory, so snapshot stacks leave them out. */
const HOOK_URL = 'liveprobe://hook/main/probe-hook.js';

const result = await build({
  entryPoints: [`${target}hook-entry.ts`],
  bundle: true,
  write: false,
  format: 'iife',
  globalName: 'liveprobeHook',
  platform: 'browser',
  target: 'es2022',
  minifySyntax: true,
  legalComments: 'none',
  inject: [`${target}globals.ts`],
  define: { 'import.meta.url': JSON.stringify(HOOK_URL) },
  logLevel: 'warning',
  plugins: [
    {
      name: 'node-shims',
      setup(b) {
        // Every node: import of the hook resolves to one module of stand-ins; an import it does not
        // provide fails the build instead of failing in the target.
        b.onResolve({ filter: /^node:/ }, () => ({ path: `${target}node-shims.ts` }));
        // The app thread's way to Node's http classes (a require) has its stand-ins there too.
        b.onResolve({ filter: /\/http-classes\.js$/ }, () => ({ path: `${target}node-shims.ts` }));
      },
    },
  ],
});
const code = result.outputFiles[0].text;
// Wrapped in a function so the bundle's top-level `var` stays local, and the value of the
// evaluated script is what installing found.
const script = `(() => {\n${code}return liveprobeHook.result;\n})()\n//# sourceURL=${HOOK_URL}\n`;
await mkdir(`${agent}dist/remote`, { recursive: true });
await writeFile(`${agent}dist/remote/probe-hook.bundle.js`, script);
