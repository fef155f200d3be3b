// Fixtures shared by the tests: real processes and sockets, each stopped by its owner.
export { startApp, type App, type AppOptions } from './app.js';
export { cli, tailCli, type CliResult, type Tail } from './cli.js';
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { freePort } from './free-port.js';
export { http, type HttpResult } from './http.js';
export { lineOf } from './line-of.js';
export { mosquitto, type Mosquitto } from './mosquitto.js';
export { postgres, type Postgres } from './postgres.js';
export { otlpReceiver, type LogRecord, type OtlpProtocol, type OtlpReceiver, type SpanRecord, type MetricPoint } from './otlp-receiver.js';
export { repoRoot } from './paths.js';
export { sseEvents, type SseEvent, type SseFilters, type SseStream } from './sse.js';
export { tempDir, type TempDir } from './temp-dir.js';
export { waitFor } from './wait-for.js';
