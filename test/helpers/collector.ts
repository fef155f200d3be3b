import { errorMessage } from '@liveprobe/protocol/util';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type ExitStatus, fromRoot, repoRoot, waitFor } from '@liveprobe/harness';
import { isolatedNetwork } from './isolated-network.js';

export interface CollectorOptions {
  /** Config files, repository-relative, merged in order (repeated `--config`). */
  configs: string[];
  /** Servers the collector may reach, by name: `http://127.0.0.1:<port>` base URLs. */
  reach?: Record<string, string>;
  /**
   * Values for the configs' ${env:…} placeholders. Gets, for every `reach` entry, the base URL
   * that reaches it from where the collector runs.
   */
  env?: (inside: Record<string, string>) => Record<string, string>;
}

export interface Collector {
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT for http/protobuf and http/json). */
  readonly otlpHttpUrl: string;
  /** OTLP/gRPC URL. */
  readonly otlpGrpcUrl: string;
  /** host:port of the prometheus exporter's /metrics: the target Prometheus scrapes. */
  readonly prometheusTarget: string;
  /** Environment that points an app's agent at this collector. */
  otelEnv(protocol: 'grpc' | 'http/protobuf' | 'http/json'): Record<string, string>;
  output(): string;
  stop(): Promise<ExitStatus>;
}

// The ports every config in this repository reads from these variables (see otel-collector.yaml).
// Inside its own network namespace the collector can use fixed ones.
const inside = { otlpGrpc: 4317, otlpHttp: 4318, health: 13133, prometheus: 8889, telemetry: 8888 };
const portEnv = {
  OTLP_GRPC_ENDPOINT: `127.0.0.1:${inside.otlpGrpc}`,
  OTLP_HTTP_ENDPOINT: `127.0.0.1:${inside.otlpHttp}`,
  HEALTH_CHECK_ENDPOINT: `127.0.0.1:${inside.health}`,
  PROMETHEUS_EXPORTER_ENDPOINT: `127.0.0.1:${inside.prometheus}`,
  COLLECTOR_TELEMETRY_HOST: '127.0.0.1',
  COLLECTOR_TELEMETRY_PORT: String(inside.telemetry),
};
const readyTimeoutMs = 30_000;

/**
 * The path of otelcol-liveprobe built from collector-config/builder-config.yaml, as
 * scripts/build-collector.sh computes it. Missing is an error, never a skip.
 */
export function collectorBinary(): string {
  const path = execFileSync('bash', [fromRoot('scripts/build-collector.sh'), '--path'], { encoding: 'utf8' }).trim();
  if (!existsSync(path)) {
    throw new Error(
      `otelcol-liveprobe is not built for the current collector-config/builder-config.yaml: run \`bash scripts/build-collector.sh\` (.ci/run does); expected ${path}`,
    );
  }
  return path;
}

/**
 * `otelcol-liveprobe validate` on the configs, in a network namespace of its own: building the
 * Datadog exporter already probes cloud metadata addresses (see isolated-network.ts).
 */
export function validateCollectorConfig(configs: string[], env: Record<string, string>): { ok: boolean; output: string } {
  const args = ['--net', '--', collectorBinary(), 'validate', ...configs.map((config) => `--config=${fromRoot(config)}`)];
  const result = spawnSync('/usr/bin/unshare', args, {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
  });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * otelcol-liveprobe running the given configs, in an isolated network that joins it to the test
 * by its OTLP, health and Prometheus ports and to the servers in `reach`, and nothing else.
 * Resolves once its health check answers, i.e. every pipeline started.
 */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const binary = collectorBinary();
  const reach = Object.fromEntries(Object.entries(options.reach ?? {}).map(([name, url]) => [name, new URL(url).host]));
  const network = await isolatedNetwork({ inbound: Object.values(inside), outbound: reach });
  const insideUrls = Object.fromEntries(Object.keys(reach).map((name) => [name, `http://${network.insideAddress(name)}`]));
  const args = options.configs.flatMap((config) => ['--config', fromRoot(config)]);
  const child = network.spawn(binary, args, { name: 'otelcol', env: { ...portEnv, ...options.env?.(insideUrls) } });
  const stop = async () => {
    const status = await child.stop();
    await network.stop();
    return status;
  };
  const local = (port: number) => `127.0.0.1:${network.outsidePort(port)}`;
  try {
    await waitFor(
      async () => {
        if (child.status !== undefined) throw new Error(`otelcol exited:\n${child.output()}`);
        return (await fetch(`http://${local(inside.health)}/`)).status === 200;
      },
      readyTimeoutMs,
      'the collector’s health check',
    );
  } catch (error) {
    await stop();
    throw new Error(`${errorMessage(error)}\ncollector output:\n${child.output()}`);
  }
  const otlpHttpUrl = `http://${local(inside.otlpHttp)}`;
  const otlpGrpcUrl = `http://${local(inside.otlpGrpc)}`;
  return {
    otlpHttpUrl,
    otlpGrpcUrl,
    prometheusTarget: local(inside.prometheus),
    otelEnv: (protocol) => ({
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? otlpGrpcUrl : otlpHttpUrl,
    }),
    output: () => child.output(),
    stop,
  };
}
