/**
 * The Python processes of the Python agent's benchmark: the repository's agent venv (made when
 * missing), and a child that keeps its output, takes one JSON request per line on stdin and
 * answers `{"result": …}` on one line of stdout, and reports its CPU time from /proc.
 */
import { Child, fromRoot, waitFor } from '@liveprobe/harness';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { processCpuNs } from './cpu-time.js';

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
  readonly #child: Child;

  constructor(name: string, args: string[], env: Record<string, string>) {
    this.#child = new Child(args[0]!, args.slice(1), { name, env: { PYTHONUNBUFFERED: '1', ...env }, input: true });
  }

  get name(): string {
    return this.#child.name;
  }

  line(pattern: RegExp): Promise<RegExpExecArray> {
    return this.#child.waitForMatch(pattern, 120_000, String(pattern));
  }

  /** Sends one request line; answers come in order, so the next unread `{"result": …}` line is its answer. */
  async request<T>(body: unknown): Promise<T> {
    const answers = () => this.#child.lines.items().filter((line) => ANSWER.test(line.text));
    const answered = answers().length;
    this.#child.write(`${JSON.stringify(body)}\n`);
    const answer = await waitFor(() => answers()[answered], 120_000, `${this.name} to answer ${JSON.stringify(body)}`, 20);
    return (JSON.parse(answer.text) as { result: T }).result;
  }

  /** CPU time of all the process's threads so far (ns): load-independent, unlike requests/s. */
  cpuNs(): number {
    return processCpuNs(this.#child.pid);
  }

  stop(): void {
    void this.#child.stop();
  }
}

const ANSWER = /^\{"result".*\}$/;
