/**
 * Which of the app's worker threads run their JavaScript, for the agent's worker
 * (worker/app-threads.ts): its inspector attaches a thread as the thread starts, before Node has
 * set the thread up, and the probe hook can go in only once the thread runs the app's code,
 * which is when the thread's `online` event comes here. Threads that threads start are not seen.
 */
import type { Worker } from 'node:worker_threads';
import type { AppThreadChanged } from '../bridge.js';

export class AppThreadWatch {
  private readonly online = new Set<number>();
  private send: ((message: AppThreadChanged) => void) | undefined;

  constructor() {
    // Listening changes nothing for the app: no listener of these keeps a thread or the process alive.
    process.on('worker', (worker: Worker) => this.watch(worker));
  }

  /** From now on the agent's worker is told of each change, and at once of the threads already running. */
  tell(send: (message: AppThreadChanged) => void): void {
    this.send = send;
    for (const threadId of this.online) send({ t: 'thread', threadId, online: true });
  }

  private watch(worker: Worker): void {
    // -1 once it has exited.
    const { threadId } = worker;
    worker.once('online', () => {
      this.online.add(threadId);
      this.send?.({ t: 'thread', threadId, online: true });
    });
    worker.once('exit', () => {
      if (!this.online.delete(threadId)) return;
      this.send?.({ t: 'thread', threadId, online: false });
    });
  }
}
