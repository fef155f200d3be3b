/**
 * An OTLP/HTTP JSON sink that counts the log records it receives, per action and per second of
 * the hit's own time (the record's timestamp), so a benchmark can tell a steady stream from
 * bursts. Other signals are accepted and discarded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface JsonLogs {
  resourceLogs?: {
    scopeLogs?: { logRecords?: { timeUnixNano?: string; attributes?: { key: string; value: { stringValue?: string } }[] }[] }[];
  }[];
}

export interface OtlpLogCounter {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT, with OTEL_EXPORTER_OTLP_PROTOCOL=http/json. */
  url: string;
  /** Records of the action, by whole second of their hit time (epoch s). */
  perSecond(actionId: string): Map<number, number>;
  total(actionId: string): number;
  close(): Promise<void>;
}

export async function startOtlpLogCounter(): Promise<OtlpLogCounter> {
  const counts = new Map<string, Map<number, number>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/logs') count(JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonLogs);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const count = (body: JsonLogs) => {
    for (const resource of body.resourceLogs ?? [])
      for (const scope of resource.scopeLogs ?? [])
        for (const record of scope.logRecords ?? []) {
          const id = record.attributes?.find((a) => a.key === 'liveprobe.action.id')?.value.stringValue;
          if (id === undefined) continue;
          const second = Math.floor(Number(BigInt(record.timeUnixNano ?? '0') / 1_000_000_000n));
          let perSecond = counts.get(id);
          if (perSecond === undefined) counts.set(id, (perSecond = new Map()));
          perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
        }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    perSecond: (id) => counts.get(id) ?? new Map(),
    total: (id) => [...(counts.get(id)?.values() ?? [])].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
