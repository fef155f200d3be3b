// Fixtures shared by the tests: real processes and sockets, each stopped by its owner. The ones
// benchmarks use too live in @liveprobe/harness (harness/) and are re-exported here.
export {
  freePort,
  lineOf,
  mosquitto,
  otlpReceiver,
  repoRoot,
  sseEvents,
  tempDir,
  waitFor,
  type LogRecord,
  type MetricPoint,
  type Mosquitto,
  type OtlpProtocol,
  type OtlpReceiver,
  type SpanRecord,
  type SseEvent,
  type SseFilters,
  type SseStream,
  type TempDir,
} from '@liveprobe/harness';
export { startApp, type App, type AppOptions } from './app.js';
export { cli, tailCli, type CliResult, type Tail } from './cli.js';
export { collectorBinary, startCollector, validateCollectorConfig, type Collector, type CollectorOptions } from './collector.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { datadogIntake, type DatadogIntake, type DatadogLog, type DatadogSeries, type DatadogSketch } from './datadog-intake.js';
export { http, type HttpResult } from './http.js';
export { lokiStandIn, type LokiStandIn } from './loki-stand-in.js';
export { postgres, type Postgres } from './postgres.js';
export { prometheus, type Prometheus, type PrometheusOptions, type Sample } from './prometheus.js';
export { statsdListener, type StatsdLine, type StatsdListener } from './statsd-listener.js';
export { libraryTree, readTree } from './prepare-trees.js';
export { compileTypeScript, type TypeScriptBuild } from './typescript.js';
