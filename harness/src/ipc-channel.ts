/**
 * Requests to a Node.js fixture over its IPC channel: `{id, cmd, ...fields}` out, `{id, ok,
 * result | error}` back (bench/fixtures/ipc-driver.mjs answers so). Every wait ends with the
 * process, with its output in the error, since a crashed fixture will never answer.
 */
import type { ChildProcess } from 'node:child_process';

interface Owner {
  readonly name: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

interface Reply {
  id?: number;
  ok?: boolean;
  result?: unknown;
  error?: string;
}

export class IpcChannel {
  readonly #process: ChildProcess;
  readonly #owner: Owner;
  #nextId = 1;

  constructor(process: ChildProcess, owner: Owner) {
    this.#process = process;
    this.#owner = owner;
  }

  /** The first message matching `predicate` from now on (e.g. a fixture's `{ready: true}`). */
  message<T>(predicate: (message: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    return this.#until<T>(
      (resolve) => {
        const listener = (message: T) => {
          if (predicate(message)) resolve(message);
        };
        this.#process.on('message', listener);
        return () => this.#process.off('message', listener);
      },
      timeoutMs,
      what,
    );
  }

  /** Sends `{id, cmd, ...fields}` and resolves with the fixture's `result`, or rejects with its `error`. */
  request<T>(cmd: string, fields: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.#nextId++;
    return this.#until<T>(
      (resolve, reject) => {
        const listener = (reply: Reply) => {
          if (reply.id !== id) return;
          if (reply.ok === true) resolve(reply.result as T);
          else reject(new Error(`${this.#owner.name}: ${cmd} failed: ${reply.error ?? 'no reason given'}`));
        };
        this.#process.on('message', listener);
        // Once the process is gone, send throws (channel closed); the exit then explains why.
        this.#process.send({ id, cmd, ...fields }, (error) => {
          if (error !== null) reject(error);
        });
        return () => this.#process.off('message', listener);
      },
      timeoutMs,
      `${cmd} to answer`,
    );
  }

  /** Races `start` against the timeout and the process ending; `start` returns its cleanup. */
  #until<T>(start: (resolve: (value: T) => void, reject: (err: Error) => void) => () => void, timeoutMs: number, what: string): Promise<T> {
    const { name } = this.#owner;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let cleanup = () => {};
      const done = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cleanup();
        settle();
      };
      const timer = setTimeout(
        () =>
          done(() => reject(new Error(`${name}: timed out after ${timeoutMs} ms waiting for ${what}; output:\n${this.#owner.output()}`))),
        timeoutMs,
      );
      void this.#owner.exited.then((status) =>
        done(() =>
          reject(
            new Error(
              `${name} exited (${status.signal ?? `code ${status.code}`}) while waiting for ${what}; output:\n${this.#owner.output()}`,
            ),
          ),
        ),
      );
      cleanup = start(
        (value) => done(() => resolve(value)),
        (err) => done(() => reject(err)),
      );
    });
  }
}
