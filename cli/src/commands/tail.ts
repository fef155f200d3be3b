import type { Command } from 'commander';
import type { EventSourceMessage } from 'eventsource-parser';
import type { SnapshotNotice } from '@liveprobe/protocol';
import { AgentEvent } from '@liveprobe/protocol';
import type { ApiClient } from '../api/client.js';
import { followEvents, StreamEndedError } from '../api/follow-events.js';
import { CliError } from '../errors.js';
import type { Context } from '../context.js';
import { formatEvent } from '../format/event-line.js';
import { untilTerminated } from '../termination.js';
import { stdoutReaderGone } from '../io.js';

interface TailOptions {
  action?: string;
  agent?: string;
  json?: boolean;
}

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
      // `liveprobe tail | head`: once the reader has gone, what tail prints goes nowhere.
      void stdoutReaderGone.then(() => stop.abort());
      try {
        await follow(api, options, ctx, stop.signal);
      } finally {
        terminated.cancel();
      }
    });
}

async function follow(api: ApiClient, options: TailOptions, ctx: Context, signal: AbortSignal): Promise<void> {
  const print = (message: EventSourceMessage) => ctx.io.out(options.json === true ? message.data : describe(message));
  const query = { action: options.action, agent: options.agent };
  const source = api.url('/events', query);
  await followEvents(
    api,
    {
      onEvent: print,
      onConnected: (again) => ctx.io.err(again ? `reconnected to ${api.baseUrl}` : `tailing ${source}; press Ctrl-C to stop`),
      onLost: (reason, retryMs) => ctx.io.err(`lost the control plane at ${api.baseUrl} (${reason}); reconnecting in ${retryMs / 1000}s`),
    },
    signal,
    { query, failFirst: true, failOnApiError: true },
  ).catch((err: unknown) => {
    if (err instanceof StreamEndedError) throw new CliError(err.code, `${err.message}; run liveprobe tail again with a valid token`);
    throw err;
  });
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
