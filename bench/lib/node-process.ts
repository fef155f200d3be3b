/**
 * A Node.js child process a benchmark owns: output kept line by line, requests over IPC,
 * and stop() that always ends it. Children still running when the bench exits are killed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from './paths.js';

export interface NodeProcessOptions {
  /** Shown in errors. */
  name: string;
  args?: string[];
  execArgv?: string[];
  env?: Record<string, string>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Our environment minus what would change what the child does: a developer's own OTEL_* and
 * LIVEPROBE_* variables and NODE_OPTIONS.
 */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('OTEL_') || key.startsWith('LIVEPROBE_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export class NodeProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #lineWaiters = new Set<(line: string) => void>();
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  #nextId = 1;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, options: NodeProcessOptions) {
    this.name = options.name;
    // cwd is the repository root, so `--import @liveprobe/agent/register` resolves as for a user.
    this.#child = fork(script, options.args ?? [], {
      cwd: repoRoot,
      env: childEnv(options.env ?? {}),
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    running.add(this.#child);
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        running.delete(this.#child);
        for (const { reject } of this.#pending.values())
          reject(new Error(`${this.name} exited (${signal ?? `code ${code}`}); output:\n${this.output()}`));
        this.#pending.clear();
        resolve({ code, signal });
      });
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.#lines.push(line);
        if (this.#lines.length > 5000) this.#lines.splice(0, 1000);
        if (process.env.LIVEPROBE_BENCH_ECHO !== undefined) process.stderr.write(`[${this.name}] ${line}\n`);
        for (const waiter of this.#lineWaiters) waiter(line);
      });
    }
    this.#child.on('message', (message: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      if (message.ok === true) pending.resolve(message.result);
      else pending.reject(new Error(`${this.name}: ${message.error ?? 'failed'}`));
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  output(): string {
    return this.#lines.join('\n');
  }

  /** The first IPC message matching `predicate` (e.g. a fixture's `{ready: true}`). */
  message<T>(predicate: (message: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    return this.#until<T>(
      (resolve) => {
        const listener = (message: T) => {
          if (!predicate(message)) return;
          this.#child.off('message', listener);
          resolve(message);
        };
        this.#child.on('message', listener);
        return () => this.#child.off('message', listener);
      },
      timeoutMs,
      what,
    );
  }

  /** The first output line (already printed or still to come) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    const seen = this.#lines.map((l) => pattern.exec(l)).find((m) => m !== null);
    if (seen !== undefined && seen !== null) return Promise.resolve(seen);
    return this.#until<RegExpExecArray>(
      (resolve) => {
        const waiter = (line: string) => {
          const match = pattern.exec(line);
          if (match !== null) resolve(match);
        };
        this.#lineWaiters.add(waiter);
        return () => this.#lineWaiters.delete(waiter);
      },
      timeoutMs,
      what,
    );
  }

  /** Sends `{id, cmd, ...fields}` and resolves with the child's `result`. */
  request<T>(cmd: string, fields: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.#nextId++;
    return this.#until<T>(
      (resolve, reject) => {
        this.#pending.set(id, { resolve: (value) => resolve(value as T), reject });
        this.#child.send({ id, cmd, ...fields });
        return () => this.#pending.delete(id);
      },
      timeoutMs,
      `${cmd} to answer`,
    );
  }

  /** SIGTERM (or a closed IPC channel for fixtures that wait on it), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    this.#child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  /** Races `start` against the timeout and the process ending; `start` returns its cleanup. */
  #until<T>(start: (resolve: (value: T) => void, reject: (err: Error) => void) => () => void, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let cleanup = () => {};
      const done = (fn: () => void) => {
        clearTimeout(timer);
        cleanup();
        fn();
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; output:\n${this.output()}`))),
        timeoutMs,
      );
      void this.exited.then((status) =>
        done(() =>
          reject(
            new Error(
              `${this.name} exited (${status.signal ?? `code ${status.code}`}) while waiting for ${what}; output:\n${this.output()}`,
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

/** Resident set size of any process, from /proc (Linux); undefined elsewhere. */
export async function rssOf(pid: number): Promise<number | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}
