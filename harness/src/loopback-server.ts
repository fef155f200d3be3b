/**
 * An HTTP server a test or a benchmark runs in its own process on an ephemeral loopback port
 * (an OTLP receiver, a vendor's intake, an identity provider). A handler that throws answers 400
 * with the error, which `errors()` keeps, so a test can assert that every request was understood.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Requests the handler failed on, as "path: reason". */
  errors(): string[];
  /** Stops listening and ends open connections (keep-alive clients would hold close() otherwise). */
  close(): Promise<void>;
}

export async function loopbackServer(handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<LoopbackServer> {
  const errors: string[] = [];
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handle(req, res))
      .catch((error: unknown) => {
        errors.push(`${req.url ?? ''}: ${String(error)}`);
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    errors: () => [...errors],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
