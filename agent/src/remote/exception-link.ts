/**
 * Exception actions on an attached target. Capturing a thrown error pauses the target, which
 * the sidecar's main connection never does: it skips every pause, and it holds the other
 * actions' breakpoints, which a Debugger.disable of the exception watch would drop. So the watch
 * gets a second CDP connection to the same target (Node's inspector and Chromium both take
 * several clients), opened only while an exception action is desired. Its Debugger session
 * pauses on exceptions and resumes once the capture is handed off. The capture's arm and disarm
 * messages reach the injected hook over that same connection, in order with the paused frame's
 * evaluations, and each is followed by a flush: while the target is paused, no microtask runs to
 * send the hook's queue to the sidecar.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import type { HookChannel, ToMain } from '../bridge.js';
import type { CdpTransport, Paused, ScriptParsed } from '../worker/cdp-transport.js';
import { RemoteConnection } from './chrome-remote-transport.js';
import { HOOK, receive } from './cdp-hook-channel.js';

export class RemoteExceptionLink {
  private current: RemoteConnection | undefined;
  private readonly closing = new Set<Promise<void>>();
  /** Messages to the hook whose evaluation has not answered yet: closing the connection would lose them. */
  private readonly sending = new Set<Promise<unknown>>();

  constructor(
    /** The target's WebSocket URL, as the main connection reached it. */
    private readonly wsUrl: string,
    private readonly log: (line: string) => void,
  ) {}

  /** The arm and disarm messages of captures: to the hook over the pausing connection, each followed by a flush. */
  readonly hook: HookChannel = {
    postMessage: (message: ToMain) => {
      const connection = this.current;
      if (connection === undefined) return;
      const sent = connection
        .send('Runtime.evaluate', { expression: `${receive(message)}; ${HOOK}?.flush?.()`, silent: true })
        .catch((err: unknown) => this.log(`could not send ${message.t} to the injected hook: ${errorMessage(err)}`));
      this.sending.add(sent);
      void sent.finally(() => this.sending.delete(sent));
    },
  };

  /** A new connection each time the exception watch opens its session. */
  transport = (): CdpTransport => {
    let connection: RemoteConnection | undefined;
    return {
      name: `${this.wsUrl} (exceptions)`,
      connect: async () => {
        connection = await RemoteConnection.open({ wsUrl: this.wsUrl });
        this.current = connection;
      },
      post: (method, params) => {
        if (connection === undefined) return Promise.reject(new Error('the exception connection is closed'));
        return connection.send(method, params);
      },
      // The session subscribes once connected, before it enables the debugger.
      onScriptParsed: (handler: (script: ScriptParsed) => void) => void connection?.on('Debugger.scriptParsed', handler),
      onPaused: (handler: (pause: Paused) => void) => void connection?.on('Debugger.paused', handler),
      onResumed: (handler: () => void) => void connection?.on('Debugger.resumed', handler),
      disconnect: () => {
        if (connection === undefined) return;
        if (this.current === connection) this.current = undefined;
        // The watch's last messages (disarm every capture, back to plain reruns) are sent just
        // before: they reach the hook first, or it stays armed. Bounded, as a target that stopped
        // answering must not keep the connection open. Closing the session resumes the target if
        // it was paused here, and drops its breakpoints.
        const last = connection;
        const closed = within(Promise.allSettled([...this.sending]), LAST_MESSAGES_MS)
          .then(() => last.close())
          .catch(() => undefined);
        connection = undefined;
        this.closing.add(closed);
        void closed.finally(() => this.closing.delete(closed));
      },
    };
  };

  /** Resolves once every exception connection opened so far is closed. */
  async closed(): Promise<void> {
    await Promise.all(this.closing);
  }
}

const LAST_MESSAGES_MS = 1000;

function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).then(() => clearTimeout(timer));
}
