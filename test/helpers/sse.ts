import { createParser } from 'eventsource-parser';
import { ObservedList } from './observed-list.js';

export interface SseEvent {
  /** The `event:` field: output, action_status or dropped. */
  event: string;
  /** The `data:` field, parsed as JSON. */
  data: unknown;
}

export interface SseFilters {
  action?: string;
  agent?: string;
}

export interface SseStream {
  events(): SseEvent[];
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs: number, what?: string): Promise<SseEvent>;
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
  const parser = createParser({
    onEvent: (message) => received.push({ event: message.event ?? 'message', data: parseData(message.data) }),
  });
  void readAll(response.body, (chunk) => parser.feed(chunk));
  return {
    events: () => received.items(),
    waitFor: (predicate, timeoutMs, what = 'a matching server-sent event') => received.waitFor(predicate, timeoutMs, what),
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

function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
