import { defined } from '@liveprobe/protocol/util';
import { Child, type ExitStatus, builtFile } from '@liveprobe/harness';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Control plane base URL, passed as LIVEPROBE_SERVER. */
  server: string;
  /** Passed as LIVEPROBE_TOKEN. */
  token?: string;
  /** More environment, e.g. NODE_EXTRA_CA_CERTS. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** The node binary to run the CLI on (test/node-versions); default: the one running the tests. */
  node?: string;
}

/** Runs `liveprobe <args>` to completion. */
export async function cli(args: string[], options: CliOptions): Promise<CliResult> {
  const child = startCli(args, options.server, options.token, options.env, options.node);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => void child.stop('SIGKILL'), timeoutMs);
  try {
    const status = await child.exited;
    if (status.signal !== null) {
      throw new Error(`liveprobe ${args.join(' ')} ended by ${status.signal} (timeout ${timeoutMs} ms); output:\n${child.output()}`);
    }
    // Output can still be in flight after 'exit'; the CLI holds no other pipe open.
    await child.closed;
    const text = (stream: 'stdout' | 'stderr') =>
      child.lines
        .items()
        .filter((line) => line.stream === stream)
        .map((line) => `${line.text}\n`)
        .join('');
    return { code: status.code, stdout: text('stdout'), stderr: text('stderr') };
  } finally {
    clearTimeout(timer);
  }
}

export interface Tail {
  /** Lines printed so far on stdout. */
  lines(): string[];
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number, what?: string): Promise<string>;
  output(): string;
  stop(): Promise<ExitStatus>;
  /** Resolves when it exits on its own. */
  readonly exited: Promise<ExitStatus>;
}

/**
 * `liveprobe tail <args>` left running. Resolves once it reports being connected (the
 * `tailing <url>` line on stderr), so events published afterwards reach it.
 */
export async function tailCli(args: string[], options: { server: string; token?: string; timeoutMs?: number }): Promise<Tail> {
  const child = startCli(['tail', ...args], options.server, options.token);
  try {
    await child.waitForLine(
      (text, stream) => stream === 'stderr' && text.startsWith('tailing '),
      options.timeoutMs ?? 10_000,
      '`tailing <url>`',
    );
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
  return {
    lines: () =>
      child.lines
        .items()
        .filter((line) => line.stream === 'stdout')
        .map((line) => line.text),
    waitForLine: (predicate, timeoutMs, what = 'a matching line') =>
      child.waitForLine((text, stream) => stream === 'stdout' && predicate(text), timeoutMs, what),
    output: () => child.output(),
    stop: () => child.stop(),
    exited: child.exited,
  };
}

function startCli(args: string[], server: string, token?: string, env: Record<string, string> = {}, node = process.execPath): Child {
  return new Child(node, [builtFile('cli/dist/main.js'), ...args], {
    name: `liveprobe ${args[0] ?? ''}`.trim(),
    env: { LIVEPROBE_SERVER: server, ...defined({ LIVEPROBE_TOKEN: token }), ...env },
  });
}
