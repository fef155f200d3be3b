import { defined } from '@liveprobe/protocol/util';
import { Child, type ExitStatus, builtFile, tempDir, type TempDir } from '@liveprobe/harness';

export interface ControlPlaneOptions {
  /** An external broker (e.g. from mosquitto()) instead of the embedded one. */
  broker?: string;
  /** A PostgreSQL URL (e.g. from postgres().createDatabase()) instead of SQLite in the data dir. */
  database?: string;
  /**
   * Authentication as `liveprobe up` does by default (tokens; `token` is the first admin
   * token it printed). Off unless asked for, so the other suites need not carry tokens.
   */
  auth?: boolean;
  /** More `liveprobe up` arguments. */
  args?: string[];
  env?: Record<string, string>;
}

export interface ControlPlane {
  /** Base URL, e.g. http://127.0.0.1:43121 (the REST API is under /api/v1). */
  readonly url: string;
  /**
   * Where agents connect: the embedded broker, or the external one. With `auth: true` the
   * embedded broker wants an agent token: this URL carries one, good for every tag and agent id.
   */
  readonly mqttUrl: string;
  readonly dataDir: string;
  /** With `auth: true`, the admin token the first start printed. */
  readonly token: string | undefined;
  /** Everything the current process printed. */
  output(): string;
  /** The process id of the current `liveprobe up`. */
  readonly pid: number;
  /** SIGTERM, and removes the data dir. */
  stop(): Promise<ExitStatus>;
  /** SIGTERM, then starts again on the same ports and data dir, as an operator would. */
  /** Stops it, waits for `whileDown` (something that must happen while it is away), and starts it on the same ports. */
  restart(whileDown?: () => Promise<unknown>): Promise<ExitStatus>;
}

const readyTimeoutMs = 30_000;

/** `liveprobe up` on ephemeral ports in a fresh data dir, resolved once it prints `liveprobe ready`. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const dir = await tempDir('liveprobe-cp-');
  try {
    const first = await launch(dir, options, { http: 0, mqtt: 0 });
    if (options.auth === true && options.broker === undefined && first.token !== undefined && first.url.startsWith('http:')) {
      first.mqttUrl = await withAgentToken(first.url, first.mqttUrl, first.token).catch(async (error: unknown) => {
        await first.child.stop('SIGKILL');
        throw error;
      });
    }
    return new RunningControlPlane(dir, options, first);
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

interface Ports {
  http: number;
  mqtt: number;
}

interface Launched {
  child: Child;
  url: string;
  mqttUrl: string;
  token: string | undefined;
}

class RunningControlPlane implements ControlPlane {
  readonly url: string;
  readonly mqttUrl: string;
  readonly token: string | undefined;
  readonly #dir: TempDir;
  readonly #options: ControlPlaneOptions;
  #child: Child;

  constructor(dir: TempDir, options: ControlPlaneOptions, launched: Launched) {
    this.#dir = dir;
    this.#options = options;
    this.#child = launched.child;
    this.url = launched.url;
    this.mqttUrl = launched.mqttUrl;
    this.token = launched.token;
  }

  get dataDir(): string {
    return this.#dir.path;
  }

  output(): string {
    return this.#child.output();
  }

  get pid(): number {
    return this.#child.pid;
  }

  async stop(): Promise<ExitStatus> {
    const status = await this.#child.stop();
    await this.#dir.remove();
    return status;
  }

  async restart(whileDown?: () => Promise<unknown>): Promise<ExitStatus> {
    const status = await this.#child.stop();
    await whileDown?.();
    const ports = { http: portOf(this.url), mqtt: this.#options.broker === undefined ? portOf(this.mqttUrl) : 0 };
    this.#child = (await launch(this.#dir, this.#options, ports)).child;
    return status;
  }
}

async function launch(dir: TempDir, options: ControlPlaneOptions, ports: Ports): Promise<Launched> {
  const args = [builtFile('cli/dist/main.js'), 'up', '--port', String(ports.http), '--data-dir', dir.path];
  if (options.broker === undefined) args.push('--mqtt-port', String(ports.mqtt));
  else args.push('--broker', options.broker);
  if (options.database !== undefined) args.push('--database', options.database);
  if (options.auth !== true) args.push('--auth', 'off');
  args.push(...(options.args ?? []));
  const child = new Child(process.execPath, args, { name: 'control-plane', ...defined({ env: options.env }) });
  try {
    await child.waitForLine((line) => line.trim() === 'liveprobe ready', readyTimeoutMs, '`liveprobe ready`');
    const output = child.output();
    const url = matchUrl(output, /https?:\/\/127\.0\.0\.1:\d+/, 'the HTTP URL');
    const mqttUrl = options.broker ?? matchUrl(output, /mqtts?:\/\/127\.0\.0\.1:\d+/, 'the MQTT URL');
    const token = /^admin token\s+(lpt_\S+)/m.exec(output)?.[1];
    return { child, url, mqttUrl, token };
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}

/** mqtt://host:port → mqtt://test-agents:<agent token for every tag>@host:port */
async function withAgentToken(url: string, mqttUrl: string, adminToken: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'test-agents', role: 'agent', tags: ['*'], agents: ['*'] }),
  });
  const body = (await response.json()) as { secret?: string };
  if (response.status !== 201 || body.secret === undefined)
    throw new Error(`could not create an agent token: ${response.status} ${JSON.stringify(body)}`);
  return mqttUrl.replace(/^(mqtts?:\/\/)/, `$1test-agents:${body.secret}@`);
}

function matchUrl(output: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(output);
  if (match === null) throw new Error(`liveprobe up did not print ${what}; output:\n${output}`);
  return match[0];
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}
