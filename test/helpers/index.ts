// Fixtures shared by the tests: real processes and sockets, each stopped by its owner.
export { startApp, type App, type AppOptions } from './app.js';
export { cli, tailCli, type CliResult, type Tail } from './cli.js';
export { collectorBinary, startCollector, validateCollectorConfig, type Collector, type CollectorOptions } from './collector.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { datadogIntake, type DatadogIntake, type DatadogLog, type DatadogSeries, type DatadogSketch } from './datadog-intake.js';
export { freePort } from './free-port.js';
export { http, type HttpResult } from './http.js';
export { lineOf } from './line-of.js';
export { lokiStandIn, type LokiStandIn } from './loki-stand-in.js';
export { mosquitto, type Mosquitto } from './mosquitto.js';
export { postgres, type Postgres } from './postgres.js';
export { prometheus, type Prometheus, type PrometheusOptions, type Sample } from './prometheus.js';
export { otlpReceiver, type LogRecord, type OtlpProtocol, type OtlpReceiver, type SpanRecord, type MetricPoint } from './otlp-receiver.js';
export { repoRoot } from './paths.js';
export { statsdListener, type StatsdLine, type StatsdListener } from './statsd-listener.js';
export { sseEvents, type SseEvent, type SseFilters, type SseStream } from './sse.js';
export { tempDir, type TempDir } from './temp-dir.js';
export { waitFor } from './wait-for.js';
