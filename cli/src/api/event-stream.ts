import { createParser, type EventSourceMessage } from 'eventsource-parser';

export class StreamStalledError extends Error {
  constructor(idleMs: number) {
    super(`nothing received for ${idleMs / 1000}s`);
  }
}

/**
 * Feeds a server-sent events body to `onEvent` until the server ends it (resolves) or the
 * connection fails (rejects). The server pings every 15 s, so a longer silence means the
 * connection is dead even if no socket error says so.
 */
export async function readEventStream(response: Response, onEvent: (message: EventSourceMessage) => void, idleMs: number): Promise<void> {
  const body = response.body;
  if (body === null) return;
  const reader = body.getReader();
  const parser = createParser({ onEvent });
  const decoder = new TextDecoder();
  let stalled = false;
  let watchdog: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      void reader.cancel();
    }, idleMs);
  };
  try {
    arm();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      arm();
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    clearTimeout(watchdog);
  }
  if (stalled) throw new StreamStalledError(idleMs);
}
