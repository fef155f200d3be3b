/**
 * A remote CDP target (a Node process's inspector, a browser page) reached with
 * chrome-remote-interface. One WebSocket per attach: the hook channel and the engine's
 * debugger sessions share it, so an `arm` sent before a breakpoint reaches the target first.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import type { EventEmitter } from 'node:events';
import type CDP from 'chrome-remote-interface';
import type { CdpTransport, ScriptParsed } from '../worker/cdp-transport.js';
import { AttachError } from './attach-error.js';

type Client = CDP.Client;

export interface TargetInfo {
  /** The WebSocket URL of the target. */
  url: string;
  type: string;
  title: string;
  /** The page's own URL (a browser tab), or the script (Node). */
  pageUrl: string;
}

export class RemoteConnection {
  /** Resolves when the connection is gone, whoever closed it. */
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(
    private readonly client: Client,
    readonly target: TargetInfo,
  ) {
    this.closed = new Promise((resolve) => (client as unknown as EventEmitter).once('disconnect', () => resolve()));
    void this.closed.then(() => (this.isClosed = true));
  }

  /** Connects to `ws://…` directly, or to the first page (or Node instance) listed at host:port. */
  static async open(where: { wsUrl: string } | { host: string; port: number }): Promise<RemoteConnection> {
    // Loaded here: the in-process agent never pays for chrome-remote-interface.
    const { default: connect } = await import('chrome-remote-interface');
    let target: TargetInfo;
    if ('wsUrl' in where) target = { url: where.wsUrl, type: 'unknown', title: where.wsUrl, pageUrl: '' };
    else {
      const listed = await listTargets(where.host, where.port);
      // A browser lists its own UI (chrome://) as pages too: the first web page is the one meant.
      const chosen =
        listed.find((t) => t.type === 'page' && !t.pageUrl.startsWith('chrome')) ?? listed.find((t) => t.type === 'node') ?? listed[0];
      if (chosen === undefined)
        throw new AttachError('no_target', `the inspector at ${where.host}:${where.port} lists no target to attach to`);
      target = chosen;
    }
    let client: Client;
    try {
      // `local`: use the bundled protocol description instead of asking the target for it.
      client = await connect({ target: target.url, local: true });
    } catch (err) {
      throw new AttachError('unreachable', `cannot open a CDP session on ${target.url}: ${errorMessage(err)}`);
    }
    return new RemoteConnection(client, target);
  }

  send<T = unknown>(method: string, params?: object): Promise<T> {
    return (this.client.send as (method: string, params?: object) => Promise<T>)(method, params);
  }

  /** Subscribes to one CDP event; returns the unsubscribe function. */
  on<T>(event: string, handler: (params: T) => void): () => void {
    const listener = (params: T): void => handler(params);
    const emitter = this.client as unknown as EventEmitter;
    emitter.on(event, listener);
    return () => void emitter.removeListener(event, listener);
  }

  /** Called once when the target goes away or the connection closes. */
  onClose(handler: () => void): void {
    (this.client as unknown as EventEmitter).once('disconnect', handler);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.client.close();
  }
}

/** `/json/list` of an inspector endpoint. */
export async function listTargets(host: string, port: number, timeoutMs = 2000): Promise<TargetInfo[]> {
  const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/json/list`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new AttachError('not_inspector', `${host}:${port}/json/list answered ${response.status}; is it a CDP endpoint?`);
  const list = (await response.json()) as { webSocketDebuggerUrl?: string; type?: string; title?: string; url?: string }[];
  return list
    .filter((t) => typeof t.webSocketDebuggerUrl === 'string')
    .map((t) => ({ url: t.webSocketDebuggerUrl!, type: t.type ?? 'unknown', title: t.title ?? '', pageUrl: t.url ?? '' }));
}

/**
 * The engine's CDP session on the remote target. The engine opens one while actions exist;
 * disconnecting disables the debugger for this client, which drops every breakpoint it set,
 * and leaves the connection (and any other client of the target) alone.
 */
export class ChromeRemoteTransport implements CdpTransport {
  readonly name: string;
  private readonly unsubscribe: (() => void)[] = [];
  private enabled = false;

  constructor(
    private readonly connection: RemoteConnection,
    /** Every `Debugger.disable` in flight, so detaching can wait for them. */
    private readonly pending: Set<Promise<unknown>>,
  ) {
    this.name = connection.target.title;
  }

  async connect(): Promise<void> {
    this.enabled = true;
  }

  async post(method: string, params?: object): Promise<unknown> {
    const result = await this.connection.send(method, params);
    // The agent never pauses the target: `debugger;` statements and other clients' pauses are not ours.
    if (method === 'Debugger.enable') await this.connection.send('Debugger.setSkipAllPauses', { skip: true });
    return result;
  }

  onScriptParsed(handler: (script: ScriptParsed) => void): void {
    this.unsubscribe.push(this.connection.on<ScriptParsed>('Debugger.scriptParsed', handler));
  }

  /** Runtime events: the hook channel enabled Runtime on this connection before the session opens. */
  onContextGone(handler: (executionContextId: number | undefined) => void): void {
    this.unsubscribe.push(
      this.connection.on<{ executionContextId: number }>('Runtime.executionContextDestroyed', ({ executionContextId }) =>
        handler(executionContextId),
      ),
      this.connection.on('Runtime.executionContextsCleared', () => handler(undefined)),
    );
  }

  disconnect(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    if (!this.enabled) return;
    this.enabled = false;
    const disabling = this.connection.send('Debugger.disable').catch(() => undefined);
    this.pending.add(disabling);
    void disabling.finally(() => this.pending.delete(disabling));
  }
}
