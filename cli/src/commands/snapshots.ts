import type { Command } from 'commander';
import type { SnapshotList, SnapshotRecord } from '@liveprobe/protocol';
import { parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';
import { formatSnapshot } from '../format/snapshot.js';
import { formatTable } from '../format/table.js';
import { relativeTime } from '../format/time.js';

interface ListOptions {
  action?: string;
  agent?: string;
  limit?: number;
  json?: boolean;
}

export function registerSnapshots(program: Command, ctx: Context): void {
  const snapshots = program.command('snapshots').description('list and show the snapshots agents captured');

  snapshots
    .command('list', { isDefault: true })
    .description('list snapshots, newest first (the default)')
    .option('--action <id>', 'only this action’s')
    .option('--agent <id>', 'only this agent’s')
    .option('--limit <n>', 'at most this many (default 50, at most 500)', parseWholeNumber)
    .option('--json', 'print the response body as JSON')
    .action(async (options: ListOptions, command: Command) => {
      const query = {
        action: options.action,
        agent: options.agent,
        limit: options.limit === undefined ? undefined : String(options.limit),
      };
      const { snapshots: list } = await ctx.api(command).get<SnapshotList>('/snapshots', query);
      if (options.json === true) return ctx.io.out(JSON.stringify({ snapshots: list }, null, 2));
      if (list.length === 0) {
        return ctx.io.out(
          options.action === undefined
            ? 'no snapshots yet; add a snapshot action with: liveprobe snapshot add <file:line> --tag <tag>'
            : `no snapshots of ${options.action} yet; a snapshot action gives one each time an agent runs its line, an exception action each time an error it watches is thrown (see: liveprobe actions show ${options.action})`,
        );
      }
      const now = ctx.now();
      const rows = list.map((s) => [
        s.id,
        s.actionId,
        s.agentId,
        relativeTime(s.time, now),
        `${s.stallMs.toFixed(2)} ms`,
        s.truncated ? 'yes' : 'no',
        `${s.location.file}:${s.location.line}${s.location.function === undefined || s.location.function === '' ? '' : ` (${s.location.function})`}`,
      ]);
      for (const line of formatTable(['ID', 'ACTION', 'AGENT', 'CAPTURED', 'STALL', 'TRUNCATED', 'LOCATION'], rows)) ctx.io.out(line);
    });

  snapshots
    .command('show <id>')
    .description('show one snapshot: location, stack, then arguments, locals, scopes, `this` and watches as trees')
    .option('--json', 'print the response body as JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const snapshot = await ctx.api(command).get<SnapshotRecord>(`/snapshots/${encodeURIComponent(id)}`);
      if (options.json === true) return ctx.io.out(JSON.stringify(snapshot, null, 2));
      for (const line of formatSnapshot(snapshot, ctx.now())) ctx.io.out(line);
    });
}
