/**
 * Driving a target the agent does not run in, over a CDP connection that the probe hook's channel
 * (cdp-hook-channel.ts) and the engine's sessions share, so an `arm` sent before a breakpoint
 * reaches the target first.
 */
import type { CdpTransport, ScriptParsed } from './cdp-transport.js';

/**
 * A CDP connection the hook channel and the engine's sessions share: a remote target's WebSocket
 * (RemoteConnection), or a session into one of the app's worker threads (worker/app-thread-connection.ts).
 */
export interface CdpConnection {
  /** What it reaches, for messages: a WebSocket URL or a thread, and a title. */
  readonly target: { url: string; title: string };
  send<T = unknown>(method: string, params?: object): Promise<T>;
  /** Subscribes to one CDP event; returns the unsubscribe function. */
  on<T>(event: string, handler: (params: T) => void): () => void;
}

/**
 * The engine's CDP session on a target reached over a connection (a remote target, an app worker thread). The engine opens one while actions exist;
 * disconnecting disables the debugger for this client, which drops every breakpoint it set,
 * and leaves the connection (and any other client of the target) alone.
 */
export class ConnectionTransport implements CdpTransport {
  readonly name: string;
  private readonly unsubscribe: (() => void)[] = [];
  private enabled = false;

  constructor(
    private readonly connection: CdpConnection,
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
