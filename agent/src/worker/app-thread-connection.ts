/**
 * A CDP connection into one of the app's worker threads, carried by the NodeWorker domain of the
 * agent's session on the main thread: commands go in with `NodeWorker.sendMessageToWorker`,
 * replies and events come back as `NodeWorker.receivedMessageFromWorker`. The hook channel and
 * the engine's session share it, as they share a remote target's WebSocket (remote/).
 */
import { EventEmitter } from 'node:events';
import type { CdpConnection } from './connection-transport.js';

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string; code?: number };
  method?: string;
  params?: unknown;
}

/** The parent session's one command this connection needs. */
export type SendToWorker = (sessionId: string, message: string) => Promise<unknown>;

export class AppThreadConnection implements CdpConnection {
  readonly target: { url: string; title: string };
  private readonly events = new EventEmitter();
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private gone = false;

  constructor(
    private readonly sessionId: string,
    /** The thread's id in the app, as `worker_threads.threadId` says it. */
    readonly threadId: number,
    title: string,
    private readonly sendToWorker: SendToWorker,
  ) {
    this.target = { url: `worker thread ${threadId}`, title: `worker thread ${threadId}${title === '' ? '' : ` (${title})`}` };
  }

  send<T = unknown>(method: string, params?: object): Promise<T> {
    if (this.gone) return Promise.reject(new Error(`${this.target.title} has ended`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.sendToWorker(this.sessionId, asciiJson({ id, method, params: params ?? {} })).catch((err: unknown) => {
        this.waiting.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  on<T>(event: string, handler: (params: T) => void): () => void {
    const listener = (params: T): void => handler(params);
    this.events.on(event, listener);
    return () => void this.events.removeListener(event, listener);
  }

  /** One message from the thread: a reply to a command, or an event. */
  received(text: string): void {
    let message: Reply;
    try {
      message = JSON.parse(text) as Reply;
    } catch {
      return;
    }
    if (message.id !== undefined) {
      const waiter = this.waiting.get(message.id);
      if (waiter === undefined) return;
      this.waiting.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    } else if (message.method !== undefined) this.events.emit(message.method, message.params);
  }

  /** The thread ended (or the parent session closed): what waits for a reply fails, and nothing more is sent. */
  ended(): void {
    this.gone = true;
    for (const { reject } of this.waiting.values()) reject(new Error(`${this.target.title} has ended`));
    this.waiting.clear();
    this.events.removeAllListeners();
  }
}

/**
 * JSON with every character past ASCII escaped: the thread's side reads the forwarded message as
 * Latin-1 and refuses it ("Message must be a valid JSON") when the text (the hook's script) has any.
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
