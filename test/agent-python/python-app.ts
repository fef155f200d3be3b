// Starts the Python fixtures the way users run them, with the agent from agent-python/ installed in
// the repository's virtual environment (.ci/run makes it; made here too when it is missing).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { controlPlane } from '../agent/fixtures.js';
import { Child, fromRoot, type ExitStatus } from '@liveprobe/harness';
import { sseEvents } from '../helpers/index.js';

/** LIVEPROBE_TEST_PYTHON_VENV runs the suite on another interpreter's venv (e.g. a Python 3.12 one). */
export const VENV = process.env.LIVEPROBE_TEST_PYTHON_VENV ?? fromRoot('.venv-agent-python');
export const PYTHON = `${VENV}/bin/python`;
export const FIXTURES = 'test/agent-python/fixtures';

/** The virtual environment with liveprobe-agent and its test extras, created on first use. */
export function ensureVenv(): void {
  const ready =
    existsSync(PYTHON) &&
    spawnSync(
      PYTHON,
      [
        '-c',
        'import liveprobe_agent, flask, pytest, mypy, gunicorn, django, fastapi, uvicorn, httpx, hypercorn, daphne, granian, aiohttp, tornado, sanic, litestar, quart, falcon, bottle, pyramid, waitress, channels',
      ],
      { stdio: 'ignore' },
    ).status === 0;
  if (ready) return;
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', VENV]],
    [`${VENV}/bin/pip`, ['install', '--quiet', '--editable', `${fromRoot('agent-python')}[test]`]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0)
      throw new Error(`could not prepare the Python agent's environment: ${command} ${args.join(' ')} exited ${result.status}`);
  }
}

export interface PythonApp {
  url: string;
  output(): string;
  stop(): Promise<unknown>;
  /** Resolves when the program ends on its own (or is stopped). */
  exited: Promise<ExitStatus>;
}

export interface PythonAppOptions {
  script: string;
  broker: string;
  tags: string[];
  agentId: string;
  env?: Record<string, string>;
  /** `liveprobe-run python app.py` (the default), the app calls liveprobe_agent.start() itself, or
   * `python app.py` with no agent at all (a fixture that never starts one: the app as it runs without). */
  launcher?: 'liveprobe-run' | 'start()' | 'no agent';
}

/** Runs a Python fixture with the agent on an ephemeral port; resolves once it prints `listening on <url>`. */
export async function startPythonApp(t: TestContext, options: PythonAppOptions): Promise<PythonApp> {
  ensureVenv();
  const script = fromRoot(`${FIXTURES}/${options.script}`);
  const [command, args] =
    options.launcher === 'start()' || options.launcher === 'no agent'
      ? [PYTHON, [script]]
      : [`${VENV}/bin/liveprobe-run`, ['python', script]];
  const child = new Child(command, args, {
    name: `python ${options.script}`,
    env: {
      PORT: '0',
      PYTHONUNBUFFERED: '1',
      PYTHONPATH: fromRoot(FIXTURES),
      LIVEPROBE_BROKER_URL: options.broker,
      LIVEPROBE_TAGS: options.tags.join(','),
      LIVEPROBE_AGENT_ID: options.agentId,
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      ...options.env,
    },
  });
  t.after(() => child.stop());
  try {
    const line = await child.waitForLine((text) => /listening on http:\/\/\S+/.test(text), 30_000, '`listening on <url>`');
    const url = /listening on (http:\/\/\S+)/.exec(line)?.[1] ?? '';
    return { url, output: () => child.output(), stop: () => child.stop(), exited: child.exited };
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}

/** A control plane, its live events, and plain_server.py starting the agent itself (tag `tag`). */
export async function plainServer(t: TestContext, agentId: string, tag: string, env: Record<string, string> = {}) {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const app = await startPythonApp(t, { script: 'plain_server.py', launcher: 'start()', broker: cp.mqttUrl, tags: [tag], agentId, env });
  const greet = (name: string) => fetch(`${app.url}/greet?name=${name}`).then((r) => r.json());
  return { cp, events, app, greet };
}
