/** Apps under test, started as users start them: `node [--import @liveprobe/agent/register] app.js`. */
import { Child } from '@liveprobe/harness';

export interface AgentSettings {
  broker: string;
  agentId: string;
  tags?: string[];
  /** Where the agent's own OpenTelemetry exporter sends (an OtlpSink). */
  otlpEndpoint: string;
  /** LIVEPROBE_QUOTA_* and LIVEPROBE_CPU_BUDGET_*; `off` sets all three to 0, `default` leaves them unset. */
  quotas: 'default' | 'off';
  env?: Record<string, string>;
  /** The module `--import` loads the agent with; the package's register by default (another build's to compare). */
  register?: string;
}

export interface AppSettings {
  name: string;
  script: string;
  /** Without it, the app runs without the agent. */
  agent?: AgentSettings;
  execArgv?: string[];
  env?: Record<string, string>;
  /** The node binary the app runs on; the bench's own by default. */
  node?: string;
}

export const QUOTAS_OFF = {
  LIVEPROBE_QUOTA_HITS_PER_SECOND: '0',
  LIVEPROBE_QUOTA_BYTES_PER_SECOND: '0',
  LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0',
};

/** The app as a child with an IPC channel (fixtures answer requests on it; HTTP apps ignore it). */
export function appProcess(settings: AppSettings): Child {
  const execArgv = [...(settings.execArgv ?? [])];
  let env: Record<string, string> = { ...settings.env };
  const { agent } = settings;
  if (agent !== undefined) {
    execArgv.push('--import', agent.register ?? '@liveprobe/agent/register');
    env = {
      ...env,
      LIVEPROBE_BROKER_URL: agent.broker,
      LIVEPROBE_AGENT_ID: agent.agentId,
      LIVEPROBE_TAGS: (agent.tags ?? []).join(','),
      OTEL_EXPORTER_OTLP_ENDPOINT: agent.otlpEndpoint,
      OTEL_SERVICE_NAME: `bench-${agent.agentId}`,
      ...(agent.quotas === 'off' ? QUOTAS_OFF : {}),
      ...agent.env,
    };
  }
  return new Child(settings.node ?? process.execPath, [...execArgv, settings.script], { name: settings.name, env, ipc: true });
}

/** An IPC-driven fixture (bench/fixtures/ipc-driver.mjs), resolved once it says it is ready. */
export async function startFixtureApp(settings: AppSettings): Promise<Child> {
  const app = appProcess(settings);
  await app.ipc.message<{ ready?: boolean }>((m) => m.ready === true, 30_000, 'the app to start');
  return app;
}

/** An HTTP app that prints `listening on <url>` (the example shop), with PORT=0. */
export async function startHttpApp(settings: AppSettings): Promise<{ app: Child; url: string }> {
  const app = appProcess({ ...settings, env: { PORT: '0', ...settings.env } });
  const match = await app.waitForMatch(/listening on (http:\/\/\S+)/, 30_000, '`listening on <url>`');
  return { app, url: match[1]! };
}

/** Resolves once the agent printed that it is connected, so actions can target it. */
export async function agentConnected(app: Child): Promise<void> {
  await app.waitForMatch(/\[liveprobe\] connected to /, 30_000, 'the agent to connect');
}
