import { EventsQuery } from '@liveprobe/protocol';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AuthVariables } from '../auth/authenticate.js';
import type { EventHub } from '../events/event-hub.js';

const PING_INTERVAL_MS = 15_000;
/** Writes a client may fall behind by before its events are dropped, so one stuck client cannot grow the heap. */
const MAX_PENDING_WRITES = 1000;
/**
 * How often an open stream checks its token again: a revoked or expired token's stream ends
 * within this long (docs/security.md). One token lookup per open stream each time.
 */
export const STREAM_RECHECK_MS = 2000;

/** `GET /events`: agent events as server-sent events named by kind, filtered by `action` and `agent`. */
export function eventsRoutes(events: EventHub): Hono<{ Variables: AuthVariables }> {
  return new Hono<{ Variables: AuthVariables }>().get('/', (c) => {
    const stillValid = c.get('stillValid');
    const { action, agent } = EventsQuery.parse(c.req.query());
    const filter = { actionId: action || undefined, agentId: agent || undefined };
    return streamSSE(
      c,
      (stream) =>
        new Promise<void>((resolve) => {
          // Writes are chained so events reach the client in the order they arrived.
          let writing: Promise<unknown> = Promise.resolve();
          let pending = 0;
          let dropped = 0;
          let ended = false;
          const send = (write: () => Promise<unknown>) => {
            pending += 1;
            writing = writing
              .then(write)
              .catch(finish)
              .finally(() => {
                pending -= 1;
              });
          };
          send(() => stream.write(': connected\n\n'));
          const unsubscribe = events.subscribe(filter, {
            deliver: (event) => {
              if (pending >= MAX_PENDING_WRITES) {
                dropped += 1;
                return;
              }
              if (dropped > 0) {
                const count = dropped;
                dropped = 0;
                send(() => stream.write(`: ${count} events dropped because this client reads too slowly\n\n`));
              }
              send(() => stream.writeSSE({ event: event.kind, data: JSON.stringify(event) }));
            },
            close: finish,
          });
          // Proxies and load balancers close connections that stay silent.
          const ping = setInterval(() => send(() => stream.write(': ping\n\n')), PING_INTERVAL_MS);
          // Authorized once, at the start, a stream would go on delivering captured values to a revoked token.
          const recheck =
            stillValid === undefined
              ? undefined
              : setInterval(() => {
                  void stillValid().then((valid) => {
                    if (valid || ended) return;
                    const reason = { code: 'unauthenticated', message: 'the token of this stream was revoked or has expired' };
                    send(() => stream.writeSSE({ event: 'end', data: JSON.stringify(reason) }));
                    finish();
                  });
                }, STREAM_RECHECK_MS);
          stream.onAbort(finish);

          function finish(): void {
            if (ended) return;
            ended = true;
            clearInterval(ping);
            clearInterval(recheck);
            unsubscribe();
            // Let queued events out before hono closes the stream.
            void writing.finally(resolve);
          }
        }),
    );
  });
}
