/** Follows GET /api/v1/events across reconnects, with backoff: what `tail`, `dap` and the editor plugin share. */
import type { EventSourceMessage } from 'eventsource-parser';
import { failureReason, type ApiClient } from './client.js';
import { readEventStream } from './event-stream.js';
import { ApiError, CliError } from '../errors.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
// Three missed pings of the server's 15-second heartbeat.
const IDLE_LIMIT_MS = 45_000;

export interface FollowHandlers {
  onEvent(message: EventSourceMessage): void;
  /** Each time the stream opens; `again` after a lost connection. */
  onConnected?(again: boolean): void;
  /** The stream was lost or could not open; the next attempt is in `retryMs`. */
  onLost?(reason: string, retryMs: number, error: unknown): void;
}

export interface FollowOptions {
  query?: Record<string, string | undefined>;
  /** Fail at once when the first connection fails (a command line), instead of retrying (an editor). */
  failFirst?: boolean;
  /** Give up on answers retrying cannot change (401, 403, 404): the caller must act first. */
  failOnApiError?: boolean;
}

/** The control plane ended the stream for good (its token was revoked or expired): reconnecting cannot help. */
export class StreamEndedError extends CliError {
  constructor(reason: string) {
    super('unauthenticated', `the control plane ended the stream: ${reason}`);
  }
}

/** Resolves when `signal` aborts; rejects as `options` ask, and with StreamEndedError when the server ends the stream. */
export async function followEvents(
  api: ApiClient,
  handlers: FollowHandlers,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  let connected = false;
  let retryMs = FIRST_RETRY_MS;
  let endedBecause: string | undefined;
  const onEvent = (message: EventSourceMessage) => {
    if (message.event === 'end') endedBecause = endReason(message.data);
    else handlers.onEvent(message);
  };
  while (!signal.aborted) {
    let reason: string;
    let failure: unknown;
    try {
      const response = await api.open('/events', options.query ?? {}, signal);
      handlers.onConnected?.(connected);
      connected = true;
      retryMs = FIRST_RETRY_MS;
      await readEventStream(response, onEvent, IDLE_LIMIT_MS);
      if (endedBecause !== undefined) throw new StreamEndedError(endedBecause);
      reason = 'the server closed the stream';
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof StreamEndedError) throw err;
      if ((options.failFirst === true && !connected) || (options.failOnApiError === true && err instanceof ApiError)) throw err;
      reason = err instanceof ApiError ? err.message : failureReason(err);
      failure = err;
    }
    if (signal.aborted) return;
    handlers.onLost?.(reason, retryMs, failure);
    await sleep(retryMs, signal);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function endReason(data: string): string {
  try {
    const { message } = JSON.parse(data) as { message?: unknown };
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: shown as received.
  }
  return data;
}
