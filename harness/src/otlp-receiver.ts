// An OTLP/HTTP endpoint that keeps what apps and agents export (or only counts it, for benchmarks).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { loopbackServer } from './loopback-server.js';
import { ObservedList } from './observed-list.js';
import { decodeJsonLogs, decodeProtobufLogs, type LogRecord } from './otlp-logs.js';
import { decodeJsonSpans, decodeProtobufSpans, type SpanRecord } from './otlp-spans.js';
import { decodeJsonMetrics, decodeProtobufMetrics, type MetricPoint } from './otlp-metrics.js';

export type { LogRecord } from './otlp-logs.js';
export type { SpanRecord } from './otlp-spans.js';
export type { MetricPoint } from './otlp-metrics.js';

export type OtlpProtocol = 'http/json' | 'http/protobuf';

export interface OtlpReceiver {
  /** Base URL, the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  /** Environment that points an OTel SDK (the agent's included) at this receiver. */
  env(protocol: OtlpProtocol): Record<string, string>;
  logRecords(): LogRecord[];
  spans(): SpanRecord[];
  /** Every data point received, in arrival order (cumulative sums repeat with growing values). */
  metricPoints(): MetricPoint[];
  waitForMetric(predicate: (point: MetricPoint) => boolean, timeoutMs: number, what?: string): Promise<MetricPoint>;
  waitForSpan(predicate: (span: SpanRecord) => boolean, timeoutMs: number, what?: string): Promise<SpanRecord>;
  waitForLog(predicate: (record: LogRecord) => boolean, timeoutMs: number, what?: string): Promise<LogRecord>;
  /** Requests that could not be decoded, as "path: reason"; a test can assert there were none. */
  errors(): string[];
  /** Export requests received, per path (`/v1/logs`, `/v1/traces`, `/v1/metrics`). */
  requests(): Map<string, number>;
  stop(): Promise<void>;
}

const json = 'application/json';
const protobuf = 'application/x-protobuf';

export interface OtlpReceiverOptions {
  /**
   * false: answer every export with success and only count requests, keeping nothing (where
   * agents export during a benchmark: as in production, at little cost to the machine).
   */
  decode?: boolean;
}

/**
 * A real OTLP/HTTP endpoint on 127.0.0.1: it decodes logs, spans and metrics in both encodings
 * (JSON and protobuf), and answers every export with success, so an app running a full SDK
 * does not log export failures.
 */
export async function otlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const records = new ObservedList<LogRecord>();
  const spans = new ObservedList<SpanRecord>();
  const metrics = new ObservedList<MetricPoint>();
  const requests = new Map<string, number>();
  const received = options.decode === false ? undefined : { records, spans, metrics };
  const server = await loopbackServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    await handle(req, res, path, received);
  });
  const { url } = server;
  return {
    url,
    env: (protocol) => ({
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      // The default one-second batching delay is pure waiting in a test. The SDK that
      // auto-instrumentations-node starts reads these; the agent's own exporter does not.
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
    }),
    logRecords: () => records.items(),
    spans: () => spans.items(),
    metricPoints: () => metrics.items(),
    waitForMetric: (predicate, timeoutMs, what = 'a matching data point') => metrics.waitFor(predicate, timeoutMs, what),
    waitForSpan: (predicate, timeoutMs, what = 'a matching span') => spans.waitFor(predicate, timeoutMs, what),
    waitForLog: (predicate, timeoutMs, what = 'a matching log record') => records.waitFor(predicate, timeoutMs, what),
    errors: () => server.errors(),
    requests: () => new Map(requests),
    stop: () => server.close(),
  };
}

interface Received {
  records: ObservedList<LogRecord>;
  spans: ObservedList<SpanRecord>;
  metrics: ObservedList<MetricPoint>;
}

async function handle(req: IncomingMessage, res: ServerResponse, path: string, received: Received | undefined): Promise<void> {
  if (req.method !== 'POST' || !['/v1/logs', '/v1/traces', '/v1/metrics'].includes(path)) {
    res.writeHead(404).end();
    return;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
  if (type !== json && type !== protobuf) {
    res.writeHead(415, { 'content-type': 'text/plain' }).end(`unsupported content-type ${type ?? ''}`);
    return;
  }
  const body = await readBody(req);
  if (received !== undefined) decode(path, type, req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body, received);
  // An empty Export*ServiceResponse means full success in either encoding.
  res.writeHead(200, { 'content-type': type }).end(type === json ? '{}' : undefined);
}

function decode(path: string, type: string, body: Buffer, { records, spans, metrics }: Received): void {
  if (path === '/v1/logs') {
    for (const record of type === json ? decodeJsonLogs(body) : decodeProtobufLogs(body)) records.push(record);
  }
  if (path === '/v1/metrics') {
    for (const point of type === json ? decodeJsonMetrics(body) : decodeProtobufMetrics(body)) metrics.push(point);
  }
  if (path === '/v1/traces') {
    for (const span of type === json ? decodeJsonSpans(body) : decodeProtobufSpans(body)) spans.push(span);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
