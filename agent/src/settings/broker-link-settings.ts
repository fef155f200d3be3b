/**
 * What both broker links share: the worker's (worker/broker-link.ts) and the app thread's while
 * the worker has not started (main/standby-link.ts).
 */
import type { IClientOptions } from 'mqtt';
import { AgentConfigError } from './config-error.js';

/** The broker URL for the agent's log: it may carry the agent's token as its password, never printed. */
export function brokerUrlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
  }
}

/** What mqtt's `connect` takes from a broker URL, given as options instead (see brokerConnectOptions). */
export interface BrokerAddress {
  /** The scheme; mqtt refuses one it does not know, with the scheme in its message. */
  protocol: NonNullable<IClientOptions['protocol']>;
  host: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  username?: string;
  password?: string;
}

const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * The broker URL as mqtt's connect options: given the URL string, mqtt parses it with the legacy
 * `url.parse()`, which prints a deprecation warning (DEP0169) into the app's stderr on Node 24.
 * These are the fields mqtt reads from that parse (the scheme picks TCP, TLS or WebSocket;
 * credentials decoded; `?clientId=` as before), read with the WHATWG parser instead.
 */
export function brokerAddress(url: string): BrokerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AgentConfigError(
      `LIVEPROBE_BROKER_URL: "${brokerUrlForLog(url)}" is not a URL; give one such as mqtt://broker:1883, mqtts://…, ws://…/mqtt or wss://…`,
    );
  }
  const address: BrokerAddress = {
    protocol: parsed.protocol.slice(0, -1) as BrokerAddress['protocol'],
    // IPv6 literals come bracketed from the WHATWG parser; the socket wants the bare address.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    path: `${parsed.pathname || '/'}${parsed.search}`,
    query: Object.fromEntries(parsed.searchParams),
  };
  if (parsed.port !== '') address.port = Number(parsed.port);
  if (parsed.username !== '') address.username = decoded(parsed.username);
  if (parsed.password !== '') address.password = decoded(parsed.password);
  return address;
}
