import type { Command } from 'commander';
import type { CreatedAction } from '@liveprobe/control-plane';
import type { ActionInput } from '@liveprobe/protocol';
import { collect, parseLocation, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';

interface SnapshotAddOptions {
  watch?: string[];
  condition?: string;
  maxHits?: number;
  tag?: string[];
  agent?: string[];
  expires?: string;
  json?: boolean;
}

export function registerSnapshot(program: Command, ctx: Context): void {
  const snapshot = program
    .command('snapshot')
    .description('snapshot actions: capture the stack and variables at a line of running code, without pausing it');
  snapshot
    .command('add')
    .description('add a snapshot action; each hit captures the call stack, arguments, locals, closures, `this` and watch expressions')
    .argument('<file:line>', 'where, as you see it in your editor, e.g. src/server.ts:42', parseLocation)
    .option('--watch <expr>', 'also evaluate this expression at the line, e.g. "order.lines[0].sku" (repeatable)', collect)
    .option('--condition <expr>', 'capture only when this expression is true, e.g. "amount > 100"')
    .option('--max-hits <n>', 'stop after this many snapshots (default 1)', parseWholeNumber)
    .option('--tag <tag>', 'apply to agents started with this tag (repeatable)', collect)
    .option('--agent <id>', 'apply to this agent id (repeatable)', collect)
    .option('--expires <duration>', 'remove the action after this long, e.g. 30m, 2h (default 1h, at most 7d)')
    .option('--json', 'print the response body as JSON')
    .action(async (location: { file: string; line: number }, options: SnapshotAddOptions, command: Command) => {
      const body: ActionInput = {
        type: 'snapshot',
        ...location,
        watches: options.watch ?? [],
        tags: options.tag ?? [],
        agents: options.agent ?? [],
        ...(options.condition === undefined ? {} : { condition: options.condition }),
        ...(options.maxHits === undefined ? {} : { maxHits: options.maxHits }),
        ...(options.expires === undefined ? {} : { expiresIn: options.expires }),
      };
      const created = await ctx.api(command).post<CreatedAction>('/actions', body);
      if (options.json === true) {
        ctx.io.out(JSON.stringify(created, null, 2));
        return;
      }
      const { action } = created;
      ctx.io.out(`created ${action.id} (${action.type} at ${action.file}:${action.line}); list its snapshots with: liveprobe snapshots --action ${action.id}`);
      for (const warning of created.warnings) ctx.io.err(`warning: ${warning}`);
    });
}
