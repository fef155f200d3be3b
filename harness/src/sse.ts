/**
 * The control plane's live events (GET /api/v1/events) as a test or a benchmark reads them:
 * every event kept with its arrival time, a wait for the first match, and the count of events
 * the server said it dropped because this reader was too slow.
 */
import { createParser } from 'eventsource-parser';
import { preciseNow } from './clock.js';
import { ObservedList } from './observed-list.js';

export interface SseEvent {
  /** The `event:` field: output, action_status, snapshot or dropped. */
  event: string;
  /** The `data:` field, parsed as JSON (the control plane sends objects). */
  data: Record<string, unknown>;
  /** When it arrived here: epoch ms with sub-millisecond precision. */
  at: number;
}

export interface SseFilters {
  action?: string;
  agent?: string;
}

export interface SseStream {
  events(): SseEvent[];
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs: number, what?: string): Promise<SseEvent>;
  /** Calls `listener` with every event from now on; returns the function that stops it. */
  on(listener: (event: SseEvent) => void): () => void;
  /** Forgets what arrived so far (long benchmark runs). */
  clear(): void;
  /** Events the control plane said it dropped (`: N events dropped`) because this reader was slow. */
  dropped(): number;
  close(): void;
}

/**
 * Subscribes to GET /api/v1/events of the control plane at `url`. Resolves once the response
 * headers arrived, so nothing published afterwards can be missed.
 */
export async function sseEvents(url: string, filters: SseFilters = {}): Promise<SseStream> {
  const endpoint = new URL('/api/v1/events', url);
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined) endpoint.searchParams.set(key, value);
  }
  const abort = new AbortController();
  const response = await fetch(endpoint, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
  if (!response.ok || response.body === null) {
    abort.abort();
    throw new Error(`GET ${endpoint} answered ${response.status}: ${await response.text().catch(() => '')}`);
  }
  const received = new ObservedList<SseEvent>();
  let dropped = 0;
  const parser = createParser({
    onEvent: (message) => received.push({ event: message.event ?? 'message', data: parseData(message.data), at: preciseNow() }),
    onComment: (comment) => {
      const count = /^ ?(\d+) events dropped/.exec(comment);
      if (count !== null) dropped += Number(count[1]);
    },
  });
  void readAll(response.body, (chunk) => parser.feed(chunk));
  return {
    events: () => received.items(),
    waitFor: (predicate, timeoutMs, what = 'a matching server-sent event') => received.waitFor(predicate, timeoutMs, what),
    on: (listener) => received.on(listener),
    clear: () => received.clear(),
    dropped: () => dropped,
    close: () => abort.abort(),
  };
}

async function readAll(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of body) onText(decoder.decode(chunk, { stream: true }));
  } catch {
    // Aborted by close(), or the server went away: either way the stream simply ends.
  }
}

function parseData(data: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    return { text: data };
  }
}
