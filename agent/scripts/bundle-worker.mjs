// Bundles the agent's worker thread (agent/dist/worker/worker.js and everything it imports)
// into agent/dist/worker-bundle/, the script agent-main.ts starts. Run by the root build, after tsc.
//
// Why: on Node 20 every CommonJS package an ES module imports goes through Node's export
// scanner, and each such import left megabytes of RSS in the worker (mqtt alone ~13 MiB as
// modules, ~2 MiB bundled). docs/BENCHMARKS.md ("Agent memory, part by part") has the figures.
// What the worker loads only when an action needs it (the OpenTelemetry SDK and its exporters)
// stays a dynamic import, so it becomes a chunk loaded then.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const agent = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${agent}dist/worker-bundle`;

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { 'agent-worker': `${agent}dist/worker/worker.js` },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Smaller source text is less memory; names stay, so the agent's own error stacks still read.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // gRPC pulls in @grpc/grpc-js and protobufjs, and hot-shots an optional native module: both are
  // loaded only when OTEL_EXPORTER_OTLP_PROTOCOL=grpc or OTEL_METRICS_EXPORTER=statsd asks, from
  // the agent's node_modules as before.
  external: [
    '@opentelemetry/exporter-logs-otlp-grpc',
    '@opentelemetry/exporter-trace-otlp-grpc',
    '@opentelemetry/exporter-metrics-otlp-grpc',
    'hot-shots',
  ],
  // Bundled CommonJS code calls require() for Node's built-in modules.
  banner: {
    js: "import { createRequire as __liveprobeRequire } from 'node:module';\nconst require = __liveprobeRequire(import.meta.url);",
  },
});
