// Bundles the agent's code with esbuild, after tsc, for the memory it saves (docs/BENCHMARKS.md,
// "Agent memory, part by part"). Run by the root build.
//
// - The worker thread (dist/worker/worker.js and all it imports, and startup-entry.js, its entry
//   with LIVEPROBE_INSPECTOR_SESSION=startup) → dist/worker-bundle/, the script agent-main.ts starts. On Node 20 every CommonJS package an ES module imports goes
//   through Node's export scanner, and each left megabytes of RSS (mqtt: +14 MiB over an empty
//   worker as modules, +1.9 MiB bundled). What the worker loads only when an action needs it (the
//   OpenTelemetry SDK and its exporters) stays a dynamic import, so it is a chunk loaded then;
//   zod and the action schemas are a script of their own, run in a context the worker drops.
// - The app thread's entry points (register, start, index) → dist/bundle/, which package.json's
//   exports, register-cjs.cts and opentelemetry.cts load: one file costs the app less memory than
//   the ~60 modules it replaces.
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toCommonJsPieces } from './commonjs-pieces.mjs';
import { writeFreeGlobals } from './free-globals.mjs';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

const common = {
  bundle: true,
  splitting: true,
  // Beside the entries: code that finds files from import.meta.url (the worker script, the
  // package.json, the agent's own directory) sits at the depth it has in dist/<folder>/.
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Less source text is less memory; names stay, so the agent's own stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS code calls require() for Node's built-in modules.
  banner: {
    js: "import { createRequire as __liveprobeRequire } from 'node:module';\nconst require = __liveprobeRequire(import.meta.url);",
  },
};

/**
 * zod's namespace object (`z`, as the protocol's schemas use it) keeps every module it names,
 * among them 47 translations of its error messages: half of the desired-state chunk the worker
 * loads with its first action. The agent's messages are English, zod's default.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}zod${sep}`)
        ? { path: 'locales', namespace: 'zod-english-only', pluginData: dirname(args.importer) }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: join(args.pluginData, '..', 'locales'),
      loader: 'js',
    }));
  },
};

/**
 * mqtt imports worker-timers for its keep-alive in browsers, and with it @babel/runtime's
 * regenerator, which sets a `regeneratorRuntime` global: on the app's thread (the standby link),
 * a global in the user's app. In Node mqtt keeps alive with Node's own timers; so do these.
 */
const nodeTimersForMqtt = {
  name: 'node-timers-for-mqtt',
  setup(build) {
    build.onResolve({ filter: /^worker-timers$/ }, () => ({ path: 'worker-timers', namespace: 'node-timers-for-mqtt' }));
    build.onLoad({ filter: /.*/, namespace: 'node-timers-for-mqtt' }, () => ({
      contents: 'export const setInterval = globalThis.setInterval; export const clearInterval = globalThis.clearInterval;',
      loader: 'js',
    }));
  },
};

/**
 * Node's built-ins required, not imported: on Node 22 and later an ES import of a built-in reads
 * every one of its exports, and some are getters that load more of Node (http's `WebSocket`
 * loads undici, tls and http2; fs's `promises` loads readline; crypto's `webcrypto`), which an
 * app that never asked for them would pay for (docs/BENCHMARKS.md, "Agent memory, part by part").
 */
const requireBuiltins = {
  name: 'require-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => {
      if (args.namespace === 'require-builtins') return { path: args.path, external: true };
      if (args.kind !== 'import-statement') return undefined;
      return { path: args.path, namespace: 'require-builtins' };
    });
    build.onLoad({ filter: /.*/, namespace: 'require-builtins' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

await rm(`${dist}worker-bundle`, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { 'agent-worker': `${dist}worker/worker.js`, 'agent-worker-startup': `${dist}worker/startup-entry.js` },
  outdir: `${dist}worker-bundle`,
  plugins: [zodEnglishOnly, nodeTimersForMqtt, requireBuiltins],
  // Packages' ES module builds where they have one (the OpenTelemetry SDK and exporters): the
  // worker imports the SDK dynamically, and esbuild's chunk of a CommonJS module exports only
  // `default`, so the named exports the worker reads would be missing.
  mainFields: ['module', 'main'],
  // gRPC pulls in @grpc/grpc-js and protobufjs, and hot-shots an optional native module: both load
  // only when OTEL_EXPORTER_OTLP_PROTOCOL=grpc or OTEL_METRICS_EXPORTER=statsd asks, from the
  // agent's node_modules as before.
  external: [
    '@opentelemetry/exporter-logs-otlp-grpc',
    '@opentelemetry/exporter-trace-otlp-grpc',
    '@opentelemetry/exporter-metrics-otlp-grpc',
    'hot-shots',
  ],
});

// The desired-state check (zod and every action's schema) as one plain script, which the worker
// runs in a context it drops after each burst of desired states (worker/desired-state-checker.ts):
// an ES chunk, once imported, would stay in the worker's heap for good. Nothing of Node's in it.
await build({
  entryPoints: [`${dist}worker/desired-state-check.js`],
  outfile: `${dist}worker-bundle/desired-state-check.js`,
  bundle: true,
  format: 'iife',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: common.target,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
});

await rm(`${dist}bundle`, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { register: `${dist}register.js`, start: `${dist}start.js`, index: `${dist}index.js` },
  outdir: `${dist}bundle`,
  plugins: [nodeTimersForMqtt, requireBuiltins],
  // The app's own copy where it has one (the OpenTelemetry API is a peer dependency), and the
  // logger watch that register-cjs.cts also requires as a file.
  external: ['@opentelemetry/api', 'require-in-the-middle'],
});

// mqtt for the app thread's standby link (main/standby-link.ts) and the worker's broker link, as
// one CommonJS file cut into pieces (commonjs-pieces.mjs): the standby link drops it once the
// worker has taken the link over, so its code is collected (an ES chunk would stay in Node's module
// map for the life of the app), and no piece is big enough to raise glibc's mmap threshold when
// the inspector hashes or copies its source.
const mqttBuild = await build({
  entryPoints: ['mqtt'],
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  outfile: `${dist}bundle/mqtt-pieces.cjs`,
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: common.target,
  minifyWhitespace: true,
  minifySyntax: true,
  // Short local names: its source text stays on the heap of each thread that loads it (the
  // worker's for good), 601 KB with mqtt's own names, 425 KB without. Its stack traces are the
  // library's, not the agent's.
  minifyIdentifiers: true,
  legalComments: 'none',
  logLevel: common.logLevel,
  plugins: [nodeTimersForMqtt],
});
const mqttCode = mqttBuild.outputFiles[0].text;
await writeFile(`${dist}bundle/mqtt-pieces.cjs`, toCommonJsPieces(mqttCode));
// Its free globals: the standby link binds each to the value it had before the app ran.
await writeFreeGlobals(mqttCode, `${dist}bundle/mqtt-pieces.cjs`);
