import type { Command } from 'commander';
import type { EventSourceMessage } from 'eventsource-parser';
import type { SnapshotNotice } from '@liveprobe/protocol';
import { AgentEvent } from '@liveprobe/protocol';
import { failureReason, type ApiClient } from '../api/client.js';
import { readEventStream } from '../api/event-stream.js';
import type { Context } from '../context.js';
import { ApiError, CliError } from '../errors.js';
import { formatEvent } from '../format/event-line.js';
import { untilTerminated } from '../termination.js';

interface TailOptions {
  action?: string;
  agent?: string;
  json?: boolean;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
// Three missed pings of the server's 15-second heartbeat.
const IDLE_LIMIT_MS = 45_000;

export function registerTail(program: Command, ctx: Context): void {
  program
    .command('tail')
    .description('follow live output and action status from the agents until Ctrl-C')
    .option('--action <id>', 'only this action')
    .option('--agent <id>', 'only this agent')
    .option('--json', 'print each event as one line of JSON')
    .action(async (options: TailOptions, command: Command) => {
      const api = ctx.api(command);
      const stop = new AbortController();
      const terminated = untilTerminated();
      void terminated.then(() => stop.abort());
      try {
        await follow(api, options, ctx, stop.signal);
      } finally {
        terminated.cancel();
      }
    });
}

async function follow(api: ApiClient, options: TailOptions, ctx: Context, signal: AbortSignal): Promise<void> {
  // The control plane ends a stream whose token was revoked or expired: reconnecting cannot help.
  let endedBecause: string | undefined;
  const print = (message: EventSourceMessage) => {
    if (message.event === 'end') endedBecause = endReason(message.data);
    else ctx.io.out(options.json === true ? message.data : describe(message));
  };
  const query = { action: options.action, agent: options.agent };
  const source = api.url('/events', query);
  let connected = false;
  let retryMs = FIRST_RETRY_MS;
  while (!signal.aborted) {
    let reason: string;
    try {
      const response = await api.open('/events', query, signal);
      ctx.io.err(connected ? `reconnected to ${api.baseUrl}` : `tailing ${source}; press Ctrl-C to stop`);
      connected = true;
      retryMs = FIRST_RETRY_MS;
      await readEventStream(response, print, IDLE_LIMIT_MS);
      if (endedBecause !== undefined)
        throw new CliError(
          'unauthenticated',
          `the control plane ended the stream: ${endedBecause}; run liveprobe tail again with a valid token`,
        );
      reason = 'the server closed the stream';
    } catch (err) {
      if (signal.aborted) return;
      // Before the first connection, and for answers that retrying cannot change, fail at once.
      if (!connected || err instanceof ApiError || endedBecause !== undefined) throw err;
      reason = failureReason(err);
    }
    if (signal.aborted) return;
    ctx.io.err(`lost the control plane at ${api.baseUrl} (${reason}); reconnecting in ${retryMs / 1000}s`);
    await sleep(retryMs, signal);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }
}

function endReason(data: string): string {
  try {
    const { message } = JSON.parse(data) as { message?: unknown };
    if (typeof message === 'string') return message;
  } catch {
    // Shown as received below.
  }
  return data;
}

function describe(message: EventSourceMessage): string {
  try {
    const data: unknown = JSON.parse(message.data);
    // Snapshot notices are the control plane's own summaries, not agent events.
    if (message.event === 'snapshot') return formatEvent(data as SnapshotNotice);
    const event = AgentEvent.safeParse(data);
    if (event.success && event.data.kind !== 'snapshot' && event.data.kind !== 'heartbeat') return formatEvent(event.data);
  } catch {
    // Not JSON: shown as received below.
  }
  return `${message.event ?? 'message'} ${message.data}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
