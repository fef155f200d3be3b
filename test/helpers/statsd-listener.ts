// A StatsD daemon stand-in: a real UDP socket on loopback that parses every line it receives
// (`name:value|type|@rate|#tag:value,…`, the DogStatsD form of the StatsD protocol).
import { createSocket } from 'node:dgram';
import { ObservedList } from '@liveprobe/harness';

export interface StatsdLine {
  name: string;
  value: number;
  /** c, ms, h, g, d, s */
  type: string;
  tags: Record<string, string>;
  raw: string;
}

export interface StatsdListener {
  endpoint: string;
  lines(): StatsdLine[];
  waitFor(predicate: (line: StatsdLine) => boolean, timeoutMs: number, what: string): Promise<StatsdLine>;
  stop(): Promise<void>;
}

export function parseStatsdLine(raw: string): StatsdLine {
  const [metric = '', type = '', ...rest] = raw.split('|');
  const at = metric.lastIndexOf(':');
  if (at <= 0 || type === '') throw new Error(`not a StatsD line: ${raw}`);
  const tags: Record<string, string> = {};
  for (const part of rest.filter((p) => p.startsWith('#'))) {
    for (const tag of part.slice(1).split(',')) {
      const colon = tag.indexOf(':');
      tags[colon === -1 ? tag : tag.slice(0, colon)] = colon === -1 ? '' : tag.slice(colon + 1);
    }
  }
  return { name: metric.slice(0, at), value: Number(metric.slice(at + 1)), type, tags, raw };
}

export async function statsdListener(): Promise<StatsdListener> {
  const socket = createSocket('udp4');
  const received = new ObservedList<StatsdLine>();
  socket.on('message', (datagram) => {
    for (const line of datagram.toString('utf8').split('\n')) if (line !== '') received.push(parseStatsdLine(line));
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    endpoint: `127.0.0.1:${socket.address().port}`,
    lines: () => received.items(),
    waitFor: (predicate, timeoutMs, what) => received.waitFor(predicate, timeoutMs, what),
    stop: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
