// Browser module: follows GET /api/v1/events. EventSource cannot send an Authorization
// header, so the stream is read with fetch and parsed here.
import { ApiError, apiHeaders, apiUrl, toApiError } from './api.js';
import { showAuthProblem } from './session.js';

export type StreamState =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'down'; reason: string; retryMs: number }
  /** The API refused this tab's credentials; retrying cannot help until a token is set. */
  | { state: 'refused'; reason: string };

export interface StreamHandlers {
  onEvent(name: string, data: string): void;
  /** Comment lines the server sends, e.g. that events were dropped for a slow reader. */
  onComment(text: string): void;
  onState(state: StreamState): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
/** Three missed pings of the server's 15-second heartbeat mean the connection is dead. */
const IDLE_LIMIT_MS = 45_000;

/** Streams for as long as the page is open, reconnecting with backoff; nothing missed while down is replayed. */
export function followEvents(handlers: StreamHandlers): void {
  let retryMs = FIRST_RETRY_MS;
  const loop = async () => {
    for (;;) {
      handlers.onState({ state: 'connecting' });
      let reason: string;
      try {
        await readOnce(handlers, () => {
          retryMs = FIRST_RETRY_MS;
          handlers.onState({ state: 'live' });
        });
        reason = 'the server closed the stream';
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          handlers.onState({ state: 'refused', reason: err.message });
          return;
        }
        reason = err instanceof Error ? err.message : String(err);
      }
      handlers.onState({ state: 'down', reason, retryMs });
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };
  void loop();
}

async function readOnce(handlers: StreamHandlers, onOpen: () => void): Promise<void> {
  const abort = new AbortController();
  const response = await fetch(apiUrl('/events'), { headers: apiHeaders({ accept: 'text/event-stream' }), signal: abort.signal });
  if (!response.ok || response.body === null) {
    const error = await toApiError(response);
    if (response.status === 401 || response.status === 403) showAuthProblem(response.status, error.message);
    throw error;
  }
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let watchdog = setTimeout(() => abort.abort(), IDLE_LIMIT_MS);
  let buffer = '';
  let name = 'message';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), IDLE_LIMIT_MS);
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) handlers.onEvent(name, data.join('\n'));
          name = 'message';
          data = [];
        } else if (line.startsWith(':')) {
          handlers.onComment(line.slice(1).trim());
        } else {
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') name = text;
          else if (field === 'data') data.push(text);
        }
      }
    }
  } catch (err) {
    if (abort.signal.aborted) throw new Error(`nothing received for ${IDLE_LIMIT_MS / 1000}s`);
    throw err;
  } finally {
    clearTimeout(watchdog);
  }
}
