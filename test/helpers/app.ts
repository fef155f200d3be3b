import { defined } from '@liveprobe/protocol/util';
import { Child, type ExitStatus, fromRoot } from '@liveprobe/harness';

export interface AppOptions {
  /** The app's entry file, absolute or relative to the repository root. */
  script: string;
  /** Where the agent connects (a control plane's mqttUrl, or an external broker). */
  broker: string;
  tags: string[];
  agentId?: string;
  /** How the agent is loaded: `--import` for ESM apps, `--require` for CommonJS ones. */
  module: 'esm' | 'cjs';
  /** Loaded before the agent, e.g. '@opentelemetry/auto-instrumentations-node/register'. */
  extraImports?: string[];
  /** false: the app starts the agent itself (LiveprobeInstrumentation in its OpenTelemetry set-up). */
  agent?: boolean;
  env?: Record<string, string>;
  /** The node binary to run the app on (test/node-versions); default: the one running the tests. */
  node?: string;
  /** Node's (or V8's) flags for the app's process, before the agent's `--import`. */
  nodeArgs?: string[];
}

export interface App {
  /** Base URL the app printed, e.g. http://127.0.0.1:40215. */
  readonly url: string;
  readonly pid: number;
  output(): string;
  /** Resolves when the app exits on its own or is stopped. */
  readonly exited: Promise<ExitStatus>;
  stop(): Promise<ExitStatus>;
}

const listeningTimeoutMs = 30_000;
const listening = /listening on (http:\/\/\S+)/;

/**
 * Runs an app with the agent the way a user would (`node --import @liveprobe/agent/register`),
 * on an ephemeral port (env PORT=0), and resolves once it prints `listening on <url>`.
 */
export async function startApp(options: AppOptions): Promise<App> {
  const args: string[] = [...(options.nodeArgs ?? [])];
  for (const specifier of options.extraImports ?? []) args.push('--import', specifier);
  if (options.agent !== false) args.push(options.module === 'esm' ? '--import' : '--require', '@liveprobe/agent/register');
  args.push(fromRoot(options.script));
  const env: Record<string, string> = {
    PORT: '0',
    LIVEPROBE_BROKER_URL: options.broker,
    LIVEPROBE_TAGS: options.tags.join(','),
    ...defined({ LIVEPROBE_AGENT_ID: options.agentId }),
    ...options.env,
  };
  const child = new Child(options.node ?? process.execPath, args, { name: `app ${options.script}`, env });
  try {
    const line = await child.waitForLine((text) => listening.test(text), listeningTimeoutMs, '`listening on <url>`');
    const url = listening.exec(line)?.[1] ?? '';
    return { url, pid: child.pid, output: () => child.output(), exited: child.exited, stop: () => child.stop() };
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}
