import { errorMessage } from '@liveprobe/protocol/util';
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Child, exitDescription, onFreePort, StopWaiting, tempDir, waitFor } from '@liveprobe/harness';

export interface PrometheusOptions {
  /** host:port targets scraped every second, with honor_labels as collector-config/prometheus-scrape.yaml advises. */
  scrape?: string[];
  /** Accept remote write at <url>/api/v1/write (--web.enable-remote-write-receiver). */
  remoteWriteReceiver?: boolean;
}

/** One series of an instant query's result. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Prometheus {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** A PromQL instant query through the HTTP API. */
  query(promql: string): Promise<Sample[]>;
  /** Repeats the query until `accept` approves its result (data arrives on the next scrape or write). */
  waitForQuery(promql: string, accept: (samples: Sample[]) => boolean, timeoutMs: number, what: string): Promise<Sample[]>;
  output(): string;
  stop(): Promise<void>;
}

const binary = '/usr/bin/prometheus';

/**
 * Debian's Prometheus server on a free loopback port with a fresh data directory. A missing
 * binary is an error, never a skip: these tests are what proves the metrics reach Prometheus.
 */
export async function prometheus(options: PrometheusOptions = {}): Promise<Prometheus> {
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(`${binary} not found: install it with \`apt-get install -y prometheus\` (.ci/run does)`);
  }
  const dir = await tempDir('liveprobe-prometheus-');
  const config = join(dir.path, 'prometheus.yml');
  await writeFile(config, scrapeConfig(options.scrape ?? []));
  const { url, child } = await onFreePort(async (port) => {
    const args = [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.remoteWriteReceiver === true ? ['--web.enable-remote-write-receiver'] : []),
    ];
    const started = new Child(binary, args, { name: 'prometheus' });
    try {
      await waitFor(
        async () => {
          const status = started.status;
          // Ended: it printed why (a port taken meanwhile reads `address already in use`, for onFreePort).
          if (status !== undefined) throw new StopWaiting(`prometheus exited (${exitDescription(status)}):\n${started.output()}`);
          return (await fetch(`http://127.0.0.1:${port}/-/ready`)).status === 200;
        },
        20_000,
        `prometheus to be ready on port ${port}`,
      );
    } catch (error) {
      await started.stop();
      throw error;
    }
    return { url: `http://127.0.0.1:${port}`, child: started };
  }).catch(async (error: unknown) => {
    await dir.remove();
    throw error;
  });
  const stop = async () => {
    await child.stop();
    await dir.remove();
  };
  const query = async (promql: string): Promise<Sample[]> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await response.json()) as QueryResponse;
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.errorType ?? ''} ${body.error ?? ''}`);
    return (body.data?.result ?? []).map((series) => ({ labels: series.metric, value: Number(series.value[1]) }));
  };
  return {
    url,
    query,
    waitForQuery: async (promql, accept, timeoutMs, what) => {
      let last: Sample[] = [];
      try {
        return await waitFor(
          async () => {
            last = await query(promql);
            return accept(last) ? last : undefined;
          },
          timeoutMs,
          what,
        );
      } catch (error) {
        throw new Error(`${errorMessage(error)}; last result of ${promql}: ${JSON.stringify(last)}`);
      }
    },
    output: () => child.output(),
    stop,
  };
}

interface QueryResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { result?: { metric: Record<string, string>; value: [number, string] }[] };
}

function scrapeConfig(targets: string[]): string {
  const lines = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s'];
  if (targets.length > 0) {
    lines.push(
      'scrape_configs:',
      '  - job_name: otel-collector',
      // The collector's exporter already sets job (service.name) and instance (service.instance.id).
      '    honor_labels: true',
      '    static_configs:',
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}
