/**
 * Actions in the app's worker threads (`node:worker_threads`: BullMQ's `useWorkerThreads`,
 * piscina, thread pools). The agent runs in the main thread only; it reaches each app thread as
 * `liveprobe attach` reaches a remote target: through a CDP session into the thread (the NodeWorker
 * domain of its session on the main thread), with the probe hook injected there and its hits
 * coming back through a binding (cdp-hook-channel.ts). Each thread gets an engine of its
 * own; this keeps them on the current line actions as threads start and end.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import type { Action } from '@liveprobe/protocol';
import { threadId as ownThreadId } from 'node:worker_threads';
import { AppThreadConnection } from './app-thread-connection.js';
import type { MainThreadTransport } from './cdp-transport.js';

/** One app thread's engine, as the runtime starts it on a connection. */
export interface ThreadTarget {
  reconcile(actions: readonly Action[]): Promise<void>;
  /** The thread ended, or the agent is closing: its breakpoints go with it. */
  close(): void;
}

interface Attached {
  sessionId: string;
  connection: AppThreadConnection;
  /** Set once the hook is injected and the engine made. */
  target?: Promise<ThreadTarget | undefined>;
}

/** Node names a worker thread's inspector target `[worker <threadId>] <name>`. */
const TITLE = /^\[worker (\d+)\]\s*(.*)$/;

export class AppThreads {
  private parent: MainThreadTransport | undefined;
  /** App threads running their JavaScript: the main thread saw their `online` event (main/app-threads.ts). */
  private readonly online = new Set<number>();
  private readonly attached = new Map<number, Attached>();
  private readonly bySession = new Map<string, number>();
  private actions: readonly Action[] = [];

  constructor(
    private readonly openParent: () => MainThreadTransport,
    private readonly start: (connection: AppThreadConnection) => Promise<ThreadTarget>,
    private readonly log: (line: string) => void,
  ) {}

  /** The current line actions: every thread's engine gets them, and a thread started later too. */
  async reconcile(actions: readonly Action[]): Promise<void> {
    this.actions = actions;
    // Nothing to install: no session into the app's threads until there is.
    if (actions.length === 0 && this.parent === undefined) return;
    if (this.parent === undefined) await this.open();
    await Promise.all(
      [...this.attached.values()].map(async (thread) => {
        const target = await thread.target;
        await target?.reconcile(actions);
      }),
    );
  }

  threadOnline(threadId: number): void {
    this.online.add(threadId);
    this.startIfReady(threadId);
  }

  threadExited(threadId: number): void {
    this.online.delete(threadId);
  }

  /** The app is exiting or the agent closing: the session into the threads ends, and with it every breakpoint there. */
  close(): void {
    for (const threadId of [...this.attached.keys()]) this.detached(threadId);
    this.parent?.disconnect();
    this.parent = undefined;
  }

  private async open(): Promise<void> {
    const parent = this.openParent();
    this.parent = parent;
    parent.onEvent<{ sessionId: string; workerInfo: { title: string } }>('NodeWorker.attachedToWorker', ({ sessionId, workerInfo }) => {
      const match = TITLE.exec(workerInfo.title);
      if (match === null) return;
      const threadId = Number(match[1]);
      // The agent's own thread is a worker of the main thread too.
      if (threadId === ownThreadId) return;
      const connection = new AppThreadConnection(sessionId, threadId, match[2]!, (id, message) =>
        parent.post('NodeWorker.sendMessageToWorker', { sessionId: id, message }),
      );
      this.attached.set(threadId, { sessionId, connection });
      this.bySession.set(sessionId, threadId);
      this.startIfReady(threadId);
    });
    parent.onEvent<{ sessionId: string; message: string }>('NodeWorker.receivedMessageFromWorker', ({ sessionId, message }) => {
      const threadId = this.bySession.get(sessionId);
      if (threadId !== undefined) this.attached.get(threadId)?.connection.received(message);
    });
    parent.onEvent<{ sessionId: string }>('NodeWorker.detachedFromWorker', ({ sessionId }) => {
      const threadId = this.bySession.get(sessionId);
      if (threadId !== undefined) this.detached(threadId);
    });
    await parent.connect();
    // Not waiting for a thread's debugger: the app's threads start as fast as without the agent.
    // Threads already running are reported at once; later ones as they start.
    await parent.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  }

  /**
   * A thread is attached as it starts, before Node has set it up (its timers, its built-in
   * modules): the hook goes in once it runs the app's code, which the main thread sees as `online`.
   */
  private startIfReady(threadId: number): void {
    const thread = this.attached.get(threadId);
    if (thread === undefined || thread.target !== undefined || !this.online.has(threadId)) return;
    thread.target = this.start(thread.connection).then(
      async (target) => {
        await target.reconcile(this.actions);
        return target;
      },
      (err: unknown) => {
        this.log(`cannot install actions in ${thread.connection.target.title}: ${errorMessage(err)}`);
        return undefined;
      },
    );
  }

  private detached(threadId: number): void {
    const thread = this.attached.get(threadId);
    if (thread === undefined) return;
    this.attached.delete(threadId);
    this.bySession.delete(thread.sessionId);
    thread.connection.ended();
    void thread.target?.then((target) => target?.close());
  }
}
