import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Export requests received per path (`/v1/logs`, `/v1/traces`, `/v1/metrics`). */
  requests: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Where agents export during benchmarks: accepts every OTLP/HTTP request and discards it, so the
 * agent's exporter works as in production (no retries, no connection errors) at little cost here.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  const requests = new Map<string, number>();
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.set(path, (requests.get(path) ?? 0) + 1);
      // An empty body is a valid (all-default) Export…ServiceResponse in protobuf and, as {}, in JSON.
      const json = (req.headers['content-type'] ?? '').includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
