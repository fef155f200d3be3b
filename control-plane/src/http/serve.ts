import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { connectableUrl, listen } from '../listen.js';

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 1000;
const IDLE_SWEEP_MS = 20;

/** HTTPS when `tls` (a PEM certificate and key) is given. */
export async function serveApp(app: Hono, host: string, port: number, tls?: { cert: Buffer; key: Buffer }): Promise<HttpServer> {
  const server = (
    tls === undefined
      ? createAdaptorServer({ fetch: app.fetch })
      : createAdaptorServer({ fetch: app.fetch, createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } })
  ) as Server;
  const actualPort = await listen(server, port, host, tls === undefined ? 'HTTP' : 'HTTPS');
  return {
    url: connectableUrl(tls === undefined ? 'http' : 'https', host, actualPort),
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets become idle as their last response (often an SSE stream) ends;
        // close them as they do, and cut whatever still runs after the grace period.
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
