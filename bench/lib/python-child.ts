/**
 * The Python processes of the Python agent's benchmark: the repository's agent venv (made when
 * missing), and a child that keeps its output, takes one JSON request per line on stdin and
 * answers `{"result": …}` on one line of stdout, and reports its CPU time from /proc.
 */
import { fromRoot, repoRoot, waitFor } from '@liveprobe/harness';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {} from './control-plane-api.js';

export const VENV = process.env.LIVEPROBE_TEST_PYTHON_VENV ?? fromRoot('.venv-agent-python');

/** The venv with the agent and the benchmark's extras (Flask, waitress); its `python --version`. */
export function pythonVenv(): string {
  if (!existsSync(`${VENV}/bin/python`)) spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  if (spawnSync(`${VENV}/bin/python`, ['-c', 'import liveprobe_agent, waitress'], { stdio: 'ignore' }).status !== 0) {
    spawnSync(`${VENV}/bin/pip`, ['install', '--quiet', '--editable', `${fromRoot('agent-python')}[test,bench]`], { stdio: 'inherit' });
  }
  return spawnSync(`${VENV}/bin/python`, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

export class PythonChild {
  readonly lines: string[] = [];
  readonly #child: ChildProcess;

  constructor(
    readonly name: string,
    args: string[],
    env: Record<string, string>,
  ) {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('LIVEPROBE_')),
    ) as Record<string, string>;
    this.#child = spawn(args[0]!, args.slice(1), {
      cwd: repoRoot,
      env: { ...base, PYTHONUNBUFFERED: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        if (process.env.LIVEPROBE_BENCH_ECHO !== undefined) process.stderr.write(`[${name}] ${line}\n`);
      });
    }
  }

  async line(pattern: RegExp, from = 0): Promise<RegExpExecArray> {
    return waitFor(
      () => {
        for (const line of this.lines.slice(from)) {
          const match = pattern.exec(line);
          if (match !== null) return match;
        }
        return undefined;
      },
      120_000,
      `${this.name} to print ${pattern}`,
      20,
    );
  }

  async request<T>(body: unknown): Promise<T> {
    const from = this.lines.length;
    this.#child.stdin!.write(`${JSON.stringify(body)}\n`);
    return (JSON.parse((await this.line(/^\{"result".*\}$/, from))[0]) as { result: T }).result;
  }

  /** CPU time of all the process's threads so far (Linux schedstat, ns): load-independent, unlike requests/s. */
  cpuNs(): number {
    const tasks = `/proc/${this.#child.pid}/task`;
    let total = 0;
    for (const task of readdirSync(tasks)) {
      try {
        total += Number(readFileSync(`${tasks}/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return total;
  }

  stop(): void {
    this.#child.kill('SIGTERM');
  }
}
