/**
 * A process a test or a benchmark starts: its output kept line by line, optionally an IPC
 * channel for requests to a Node.js fixture, and stop() that always ends it.
 */
import { defined, errorMessage } from '@liveprobe/protocol/util';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { IpcChannel } from './ipc-channel.js';
import { ObservedList } from './observed-list.js';
import { repoRoot } from './paths.js';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildOptions {
  /** Short name used in diagnostics and in echoed output. */
  name: string;
  env?: Record<string, string>;
  /** Where it runs (the repository root by default): an app outside the repository resolves its own packages. */
  cwd?: string;
  /** Run as this user and group (a test running as root starting a server that refuses root). */
  uid?: number;
  gid?: number;
  /** Opens an IPC channel (the command must be node): see `ipc`. */
  ipc?: boolean;
  /** Keeps stdin open for `write` (a child reading requests line by line); otherwise stdin is closed. */
  input?: boolean;
}

/** One output line, tagged with the stream it came from. */
export interface OutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

// Children still running when the test or bench process ends (a crash, a forgotten stop(), the runner
// killing a file that timed out) would keep their ports and outlive the run: kill them first.
const running = new Set<ChildProcess>();
const killRunning = () => {
  for (const child of running) child.kill('SIGKILL');
};
process.on('exit', killRunning);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    killRunning();
    process.kill(process.pid, signal); // the listener is gone, so this ends the process as usual
  });
}

/**
 * The environment a child starts from: ours, minus settings that would change what the child
 * does (a developer's own OTEL_* or LIVEPROBE_* variables, node:test's marker for its workers).
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (key.startsWith('OTEL_') || key.startsWith('LIVEPROBE_')) continue;
    if (key === 'NODE_TEST_CONTEXT' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** A process started for a test or a benchmark: its output is kept line by line, and stop() always ends it. */
export class Child {
  readonly name: string;
  readonly lines = new ObservedList<OutputLine>();
  readonly exited: Promise<ExitStatus>;
  readonly #process: ChildProcess;
  /** Resolves once the process exited and its output pipes are drained. */
  readonly closed: Promise<void>;
  #status: ExitStatus | undefined;
  readonly #ipc: IpcChannel | undefined;

  constructor(command: string, args: string[], options: ChildOptions) {
    this.name = options.name;
    this.#process = spawn(command, args, {
      // Bare specifiers such as `@liveprobe/agent/register` resolve from the repository root.
      cwd: options.cwd ?? repoRoot,
      env: childEnv(options.env),
      stdio: [options.input === true ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(options.ipc === true ? (['ipc'] as const) : [])],
      ...defined({ uid: options.uid, gid: options.gid }),
    });
    running.add(this.#process);
    this.exited = new Promise((resolve) => {
      const ended = (status: ExitStatus) => {
        running.delete(this.#process);
        this.#status ??= status;
        resolve(this.#status);
      };
      this.#process.once('exit', (code, signal) => ended({ code, signal }));
      // A process that could not be started emits 'error' and no 'exit'.
      this.#process.on('error', (error) => {
        if (this.#process.pid !== undefined) return; // a failed kill(): the process still runs
        this.lines.push({ stream: 'stderr', text: `could not run ${command}: ${error.message}` });
        ended({ code: null, signal: null });
      });
    });
    this.closed = new Promise((resolve) => this.#process.once('close', () => resolve()));
    this.#collect('stdout');
    this.#collect('stderr');
    if (options.ipc === true) this.#ipc = new IpcChannel(this.#process, this);
  }

  /** The IPC channel to a fixture started with `ipc: true`. */
  get ipc(): IpcChannel {
    if (this.#ipc === undefined) throw new Error(`${this.name} was started without an IPC channel (ChildOptions.ipc)`);
    return this.#ipc;
  }

  get pid(): number {
    if (this.#process.pid === undefined) throw new Error(`${this.name} did not start`);
    return this.#process.pid;
  }

  /** How the process ended, or undefined while it runs. */
  get status(): ExitStatus | undefined {
    return this.#status;
  }

  /** Everything the process printed so far, stdout and stderr interleaved as they arrived. */
  output(): string {
    return this.lines
      .items()
      .map((line) => line.text)
      .join('\n');
  }

  /**
   * Waits for a line matching `predicate`; fails early, with the output, if the process exits
   * first, since a crashed process will never print it.
   */
  async waitForLine(predicate: (text: string, stream: OutputLine['stream']) => boolean, timeoutMs: number, what: string): Promise<string> {
    const done = new AbortController();
    const line = this.lines.waitFor((l) => predicate(l.text, l.stream), timeoutMs, `${this.name} to print ${what}`, done.signal);
    const exit = this.exited.then(async (status) => {
      // 'exit' can come before the last output is read; a grandchild holding the pipe can
      // delay 'close' forever, hence the bound.
      await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 500))]);
      throw new Error(`${this.name} exited (${exitDescription(status)}) before printing ${what}`);
    });
    exit.catch(() => {}); // it loses the race whenever the line arrives
    try {
      return (await Promise.race([line, exit])).text;
    } catch (error) {
      throw new Error(`${errorMessage(error)}; output:\n${this.output()}`);
    } finally {
      done.abort();
    }
  }

  /** Writes to the stdin of a child started with `input: true`. */
  write(text: string): void {
    if (this.#process.stdin === null) throw new Error(`${this.name} was started without stdin (ChildOptions.input)`);
    this.#process.stdin.write(text);
  }

  /** The first output line matching `pattern` (either stream), with its groups. */
  async waitForMatch(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    return pattern.exec(await this.waitForLine((text) => pattern.test(text), timeoutMs, what))!;
  }

  /** Sends `signal`, and SIGKILL if the process is still alive after `graceMs`. Idempotent. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<ExitStatus> {
    if (this.#status !== undefined) return this.#status;
    this.#process.kill(signal);
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #collect(stream: 'stdout' | 'stderr'): void {
    const source = this.#process[stream];
    if (source === null) return;
    const echo = process.env.LIVEPROBE_TEST_ECHO !== undefined || process.env.LIVEPROBE_BENCH_ECHO !== undefined;
    createInterface({ input: source, crlfDelay: Infinity }).on('line', (text) => {
      if (echo) process.stderr.write(`[${this.name}] ${text}\n`);
      this.lines.push({ stream, text });
    });
  }
}

export function exitDescription(status: ExitStatus): string {
  return status.signal === null ? `code ${status.code}` : `signal ${status.signal}`;
}
