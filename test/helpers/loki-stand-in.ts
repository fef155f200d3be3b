import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { ObservedList, decodeJsonLogs, loopbackServer, decodeProtobufLogs, type LogRecord } from '@liveprobe/harness';

export interface LokiStandIn {
  /** The value for a collector's Loki exporter endpoint: <base>/otlp, as for a real Loki. */
  readonly otlpEndpoint: string;
  records(): LogRecord[];
  waitForLog(predicate: (record: LogRecord) => boolean, timeoutMs: number, what?: string): Promise<LogRecord>;
  /** Requests that could not be decoded, as "path: reason". */
  errors(): string[];
  stop(): Promise<void>;
}

/**
 * A STAND-IN for Grafana Loki, not Loki: Loki is not packaged for Debian, so the tests cannot run
 * it. It accepts what Loki's native OTLP endpoint accepts — POST /otlp/v1/logs, OTLP protobuf or
 * JSON, optionally gzip — decodes the records, and answers 204 as Loki does. What it proves is
 * that the collector config sends the right records to the right path in the right encoding;
 * not how Loki indexes them.
 */
export async function lokiStandIn(): Promise<LokiStandIn> {
  const records = new ObservedList<LogRecord>();
  const server = await loopbackServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://loki').pathname;
    if (req.method !== 'POST' || path !== '/otlp/v1/logs') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
    let body = await readBody(req);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const decoded =
      type === 'application/json' ? decodeJsonLogs(body) : type === 'application/x-protobuf' ? decodeProtobufLogs(body) : undefined;
    if (decoded === undefined) {
      res.writeHead(415, { 'content-type': 'text/plain' }).end(`unsupported content-type ${type ?? ''}`);
      return;
    }
    for (const record of decoded) records.push(record);
    res.writeHead(204).end();
  });
  const { url } = server;
  return {
    otlpEndpoint: `${url}/otlp`,
    records: () => records.items(),
    waitForLog: (predicate, timeoutMs, what = 'a matching log record in the Loki stand-in') => records.waitFor(predicate, timeoutMs, what),
    errors: () => server.errors(),
    stop: () => server.close(),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
