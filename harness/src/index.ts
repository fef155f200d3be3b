// What tests (test/, run under tsx) and benchmarks (bench/, compiled) share: real processes,
// brokers and sockets, each stopped by its owner.
export { Child, childEnv, exitDescription, type ChildOptions, type ExitStatus, type OutputLine } from './child.js';
export { preciseNow } from './clock.js';
export { freePort, onFreePort } from './free-port.js';
export { IpcChannel } from './ipc-channel.js';
export { lineOf } from './line-of.js';
export { loopbackServer, type LoopbackServer } from './loopback-server.js';
export { mosquitto, mosquittoAvailable, type Mosquitto, type MosquittoOptions } from './mosquitto.js';
export { ObservedList } from './observed-list.js';
export { attributes, base64IdToHex, decodeJsonLogs, decodeProtobufLogs, decodeProtobufRequest, type KeyValue } from './otlp-logs.js';
export {
  otlpReceiver,
  type LogRecord,
  type MetricPoint,
  type OtlpProtocol,
  type OtlpReceiver,
  type OtlpReceiverOptions,
  type SpanRecord,
} from './otlp-receiver.js';
export { builtFile, fromRoot, repoRoot } from './paths.js';
export { sseEvents, type SseEvent, type SseFilters, type SseStream } from './sse.js';
export { tempDir, type TempDir } from './temp-dir.js';
export { StopWaiting, waitFor } from './wait-for.js';
