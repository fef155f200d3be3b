/**
 * Metric actions to a StatsD or DogStatsD daemon over UDP (`OTEL_METRICS_EXPORTER=statsd`), for
 * teams whose metrics pipeline starts at a StatsD port rather than an OpenTelemetry Collector.
 * Each point is sent as it is recorded: the daemon aggregates, as StatsD clients expect.
 */
import type { StatsD, Tags } from 'hot-shots';
import type { MetricPoint } from './metric-record.js';

export const DEFAULT_STATSD_ENDPOINT = '127.0.0.1:8125';

export interface StatsdEndpoint {
  host: string;
  port: number;
}

/** `host:port`, `udp://host:port` or `[::1]:8125`; undefined when it is none of these. */
export function parseStatsdEndpoint(text: string): StatsdEndpoint | undefined {
  const bare = text.trim().replace(/^udp:\/\//, '');
  const match = /^(?:\[([^\]]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(bare);
  const port = Number(match?.[3]);
  if (match === null || !(port > 0 && port < 65536)) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

export class StatsdExport {
  private client: Promise<StatsD> | undefined;
  private readonly endpoint: StatsdEndpoint;
  private readonly telegraf: boolean;
  private lastError = 0;

  constructor(
    private readonly agentId: string,
    env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {
    const text = env.LIVEPROBE_STATSD_ENDPOINT?.trim() || DEFAULT_STATSD_ENDPOINT;
    const endpoint = parseStatsdEndpoint(text);
    if (endpoint === undefined) {
      log(`LIVEPROBE_STATSD_ENDPOINT=${text} is not host:port (e.g. 127.0.0.1:8125); sending to ${DEFAULT_STATSD_ENDPOINT}`);
    }
    this.endpoint = endpoint ?? (parseStatsdEndpoint(DEFAULT_STATSD_ENDPOINT) as StatsdEndpoint);
    const format = env.LIVEPROBE_STATSD_TAG_FORMAT?.trim() || 'dogstatsd';
    if (format !== 'dogstatsd' && format !== 'telegraf')
      log(`LIVEPROBE_STATSD_TAG_FORMAT=${format} is not dogstatsd or telegraf; using dogstatsd`);
    this.telegraf = format === 'telegraf';
  }

  /**
   * Counters add their hits (`|c`); tic-toc and duration are timers in milliseconds (`|ms`), the
   * unit StatsD timers have; a metric action's histogram is `|h` and its gauge `|g`.
   */
  record(point: MetricPoint): void {
    this.client ??= this.connect();
    const { action, value } = point;
    const tags = this.tags(point);
    void this.client.then((client) => {
      switch (action.type) {
        case 'counter':
          return client.increment(action.name, value, tags);
        case 'tictoc':
        case 'duration':
          return client.timing(action.name, value * 1000, tags);
        case 'metric':
          return action.instrument === 'gauge' ? client.gauge(action.name, value, tags) : client.histogram(action.name, value, tags);
      }
    });
  }

  async shutdown(): Promise<void> {
    const client = await this.client;
    this.client = undefined;
    await new Promise<void>((resolve) => (client === undefined ? resolve() : client.close(() => resolve())));
  }

  /** Every point attribute (the action id, `code.*`, the action's own attributes) and the agent id, as `key:value` tags. */
  private tags(point: MetricPoint): Tags {
    const tags: Record<string, string> = { 'liveprobe.agent.id': this.agentId };
    for (const [key, value] of Object.entries(point.attributes)) if (value !== undefined) tags[key] = String(value);
    return tags;
  }

  private async connect(): Promise<StatsD> {
    const { StatsD } = await import('hot-shots');
    return new StatsD({
      host: this.endpoint.host,
      port: this.endpoint.port,
      protocol: 'udp',
      telegraf: this.telegraf,
      // A daemon that is down must not fill the agent's log: one line a minute at most.
      errorHandler: (err) => {
        if (Date.now() - this.lastError < 60_000) return;
        this.lastError = Date.now();
        this.log(`could not send metrics to StatsD at ${this.endpoint.host}:${this.endpoint.port}: ${err.message}`);
      },
    });
  }
}
