/**
 * A sidecar agent for a process the user cannot restart (`liveprobe attach`): it reaches the
 * target's CDP endpoint, injects the probe hook, and runs the same engine as the in-process
 * agent, joining the fleet with its own agent id and tags.
 */
import { defined } from '@liveprobe/protocol/util';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AgentOnline } from '@liveprobe/protocol';
import { startRuntime, type AgentRuntime } from '../worker/agent-runtime.js';
import { readConfig } from '../settings/agent-config.js';
import { AttachError } from './attach-error.js';
import { CdpHookChannel } from './cdp-hook-channel.js';
import { errorMessage } from '@liveprobe/protocol/util';
import { ChromeRemoteTransport, RemoteConnection, type TargetInfo } from './chrome-remote-transport.js';
import { RemoteExceptionLink } from './exception-link.js';
import { letExit, LOOPBACK, openNodeInspector } from './node-target.js';
import { isoTime } from '../iso-time.js';

export interface AttachOptions {
  /** A local Node process to open with SIGUSR1. */
  pid?: number;
  /** `host:port` of an inspector or `--remote-debugging-port`, or a `ws://` target URL. */
  inspect?: string;
  tags?: string[];
  agentId?: string;
  brokerUrl?: string;
  /** The sidecar's own configuration (LIVEPROBE_*, OTEL_*): redaction, blocklist, quotas, exporters. */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface Attachment {
  readonly agentId: string;
  /** What it attached to, for people: runtime, pid or URL, endpoint. */
  readonly description: string;
  /** `node`: values are read as in-process; `conservative`: a page, where objects are not read (see docs/attach.md). */
  readonly platform: 'node' | 'conservative';
  /** Resolves with a reason if the target goes away before `detach`. */
  readonly lost: Promise<string>;
  /** Removes every breakpoint and the hook, closes the inspector if this attach opened it, leaves the fleet. */
  detach(): Promise<void>;
}

interface TargetFacts {
  kind: 'node' | 'browser';
  pid?: number;
  version: string;
  /** A Node target's V8 (a page's is not readable from the page). */
  v8?: string;
  where: string;
}

const FACTS = `(() => typeof process === 'object' && process !== null && typeof process.versions?.node === 'string'
  ? { kind: 'node', pid: process.pid, version: process.version, v8: process.versions.v8, where: process.argv.slice(1).join(' ') }
  : { kind: 'browser', version: navigator.userAgent, where: location.href })()`;

const CLOSE_INSPECTOR = `process.getBuiltinModule('node:inspector').close()`;

export async function attach(options: AttachOptions): Promise<Attachment> {
  if ((options.pid === undefined) === (options.inspect === undefined)) throw new AttachError('no_target', 'give either --pid or --inspect');
  let opened = false;
  let connection: RemoteConnection;
  if (options.pid !== undefined) {
    const pid = options.pid;
    const inspector = await openNodeInspector(pid, pidOf);
    opened = inspector.openedByUs;
    connection = await RemoteConnection.open({ wsUrl: inspector.target.url });
  } else {
    const endpoint = parseEndpoint(options.inspect!);
    if ('host' in endpoint && !isLoopback(endpoint.host)) {
      options.log(
        `warning: ${endpoint.host} is not a loopback address; an inspector reachable over the network gives anyone who reaches it full control of the target (docs/attach.md)`,
      );
    }
    connection = await RemoteConnection.open(endpoint);
  }
  const channel = new CdpHookChannel(connection, options.log);
  const cleanUp = async (): Promise<void> => {
    await bounded('removing the hook', channel.remove(), options.log);
    // Closing the inspector ends this connection too, so its reply may never come.
    if (opened) await bounded('closing the inspector', Promise.race([channel.evaluate(CLOSE_INSPECTOR), connection.closed]), options.log);
    await bounded('closing the connection', connection.close(), options.log);
  };
  let facts: TargetFacts;
  let runtime: AgentRuntime | undefined;
  let platform: 'node' | 'conservative';
  const pending = new Set<Promise<unknown>>();
  let detached = false;
  let lostReason: (reason: string) => void = () => {};
  const lost = new Promise<string>((resolve) => (lostReason = resolve));
  const gone = (how: string): void => {
    if (detached) return;
    lostReason(`the target ${how} (${connection.target.url})`);
    runtime?.engine.close();
    void runtime?.close();
  };
  connection.onClose(() => gone('went away'));
  try {
    facts = (await channel.evaluate(FACTS)) as TargetFacts;
    platform = await channel.inject(
      (message) => runtime?.handle(message),
      (count) => {
        runtime?.link.publishEvent({
          kind: 'dropped',
          agentId: config.agentId,
          time: isoTime(Date.now()),
          count,
          reason: 'the injected hook’s queue to the sidecar was full',
        });
      },
    );
    if (facts.kind === 'browser') await channel.followNavigations();
    else
      await letExit(connection, () => {
        // Closing the runtime closes the exception watch's connection too: the process waits for every client.
        gone('is exiting');
        void connection.close();
      });
  } catch (err) {
    await cleanUp();
    throw err instanceof AttachError ? err : new AttachError('inject_failed', `cannot set up the target: ${errorMessage(err)}`);
  }
  const agentId = options.agentId ?? defaultAgentId(facts);
  const config = readConfig({
    ...options.env,
    LIVEPROBE_AGENT_ID: agentId,
    ...(options.tags === undefined || options.tags.length === 0 ? {} : { LIVEPROBE_TAGS: options.tags.join(',') }),
    ...defined({ LIVEPROBE_BROKER_URL: options.brokerUrl }),
  });
  const identity: Partial<AgentOnline> =
    facts.kind === 'node'
      ? { pid: facts.pid!, runtime: 'node', runtimeVersion: facts.version }
      : { pid: 0, runtime: 'browser', runtimeVersion: facts.version };
  const exceptionLink = new RemoteExceptionLink(connection.target.url, options.log);
  runtime = startRuntime({
    config,
    hook: channel,
    transport: () => new ChromeRemoteTransport(connection, pending),
    identity,
    log: options.log,
    env: options.env,
    exceptions: exceptionLink,
    appOutputs: false,
    v8Version: facts.v8 ?? '',
  });
  const description =
    facts.kind === 'node'
      ? `node ${facts.version} pid ${facts.pid} (${facts.where}) at ${connection.target.url}`
      : `browser page ${facts.where} at ${connection.target.url}`;
  return {
    agentId: config.agentId,
    description,
    platform,
    lost,
    async detach() {
      if (detached) return;
      detached = true;
      runtime.engine.close();
      runtime.exceptions.close();
      await bounded('removing breakpoints', Promise.all([...pending, exceptionLink.closed()]), options.log);
      // Every breakpoint this client set, whatever the engine's state.
      await bounded('disabling the debugger', connection.send('Debugger.disable'), options.log);
      await cleanUp();
      await bounded('leaving the fleet', runtime.close(), options.log);
    },
  };
}

const STEP_TIMEOUT_MS = 3000;

/** Detaching must finish even when the target or the broker stopped answering. */
async function bounded(step: string, work: Promise<unknown>, log: (line: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log(`detach: ${step} did not finish within ${STEP_TIMEOUT_MS / 1000} s; going on`);
      resolve();
    }, STEP_TIMEOUT_MS);
  });
  await Promise.race([work.catch(() => undefined), timeout]);
  clearTimeout(timer);
}

function parseEndpoint(text: string): { wsUrl: string } | { host: string; port: number } {
  if (/^wss?:\/\//.test(text)) return { wsUrl: text };
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim()) ?? /^()()(\d+)$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (match === null || !(port > 0 && port < 65536))
    throw new AttachError('no_target', `--inspect "${text}" is not host:port, a port, or a ws:// URL`);
  return { host: match[1] || match[2] || LOOPBACK, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

async function pidOf(target: TargetInfo): Promise<number> {
  const connection = await RemoteConnection.open({ wsUrl: target.url });
  try {
    const reply = await connection.send<{ result: { value?: unknown } }>('Runtime.evaluate', {
      expression: 'process.pid',
      returnByValue: true,
    });
    const pid = reply.result.value;
    if (typeof pid !== 'number') throw new AttachError('not_node', `the inspector at ${target.url} is not a Node process`);
    return pid;
  } finally {
    await connection.close();
  }
}

function defaultAgentId(facts: TargetFacts): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 40) || 'host';
  return `${host}-${facts.kind === 'node' ? facts.pid : 'browser'}-attach-${randomBytes(3).toString('hex')}`;
}
