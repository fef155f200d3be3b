import { Option, type Command } from 'commander';
import type { CreatedAction } from '@liveprobe/control-plane';
import { LOG_LEVELS, type ActionInput, type LogLevel } from '@liveprobe/protocol';
import { collect, parseLocation, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';

interface LogAddOptions {
  tag?: string[];
  agent?: string[];
  condition?: string;
  level?: LogLevel;
  maxHits?: number;
  expires?: string;
  json?: boolean;
}

export function registerLog(program: Command, ctx: Context): void {
  const log = program.command('log').description('log actions: print a message from a line of running code, no redeploy');
  log
    .command('add')
    .description('add a log action; {expressions} in the template are evaluated in scope at that line')
    .argument('<file:line>', 'where, as you see it in your editor, e.g. src/server.ts:42', parseLocation)
    .argument('<template>', 'the message, e.g. "order {order.id} for {user.name}"')
    .option('--tag <tag>', 'apply to agents started with this tag (repeatable)', collect)
    .option('--agent <id>', 'apply to this agent id (repeatable)', collect)
    .option('--condition <expr>', 'log only when this expression is true, e.g. "amount > 100"')
    .addOption(new Option('--level <level>', 'severity (default info)').choices(LOG_LEVELS))
    .option('--max-hits <n>', 'stop after this many hits (default 1000)', parseWholeNumber)
    .option('--expires <duration>', 'remove the action after this long, e.g. 30m, 2h (default 1h, at most 7d)')
    .option('--json', 'print the response body as JSON')
    .action(async (location: { file: string; line: number }, template: string, options: LogAddOptions, command: Command) => {
      const body: ActionInput = {
        type: 'log',
        ...location,
        template,
        tags: options.tag ?? [],
        agents: options.agent ?? [],
        ...(options.condition === undefined ? {} : { condition: options.condition }),
        ...(options.level === undefined ? {} : { level: options.level }),
        ...(options.maxHits === undefined ? {} : { maxHits: options.maxHits }),
        ...(options.expires === undefined ? {} : { expiresIn: options.expires }),
      };
      const created = await ctx.api(command).post<CreatedAction>('/actions', body);
      if (options.json === true) {
        ctx.io.out(JSON.stringify(created, null, 2));
        return;
      }
      const { action } = created;
      ctx.io.out(`created ${action.id} (${action.type} at ${action.file}:${action.line})`);
      for (const warning of created.warnings) ctx.io.err(`warning: ${warning}`);
    });
}
