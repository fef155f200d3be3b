/**
 * Node's http classes whose getters expressions may run (./platform-getters.ts), required, not
 * imported: on Node 22 and later an ES import of a built-in reads every one of its exports, and
 * http's `WebSocket` is a getter that loads undici, tls and http2 into an app that never uses
 * them. A remote target's hook takes these from its stand-ins instead
 * (agent/scripts/bundle-remote-hook.mjs).
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('node:http') as typeof Http;
export const { IncomingMessage, OutgoingMessage } = http;
