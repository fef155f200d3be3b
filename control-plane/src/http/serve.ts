import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { connectableUrl, listen } from '../listen.js';

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 1000;
const IDLE_SWEEP_MS = 20;

export async function serveApp(app: Hono, host: string, port: number): Promise<HttpServer> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const actualPort = await listen(server, port, host, 'HTTP');
  return {
    url: connectableUrl('http', host, actualPort),
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
