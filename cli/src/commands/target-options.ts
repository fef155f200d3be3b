/** The options every `<type> add` command shares: which agents, a condition, limits, and how to print. */
import type { Command } from 'commander';
import { actionWhere, type CreatedAction } from '@liveprobe/protocol';
import type { ActionInput } from '@liveprobe/protocol';
import { collect, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';

export interface TargetOptions {
  tag?: string[];
  agent?: string[];
  condition?: string;
  maxHits?: number;
  expires?: string;
  lineText?: string;
  json?: boolean;
}

export function withTargetOptions(command: Command, maxHitsHelp: string): Command {
  return command
    .option('--tag <tag>', 'apply to agents started with this tag (repeatable)', collect)
    .option('--agent <id>', 'apply to this agent id (repeatable)', collect)
    .option('--condition <expr>', 'act only when this expression is true at the line, e.g. "amount > 100"')
    .option('--max-hits <n>', maxHitsHelp, parseWholeNumber)
    .option('--expires <duration>', 'remove the action after this long, e.g. 30m, 2h (default 1h, at most 7d)')
    .option(
      '--line-text <text>',
      'the line as your editor shows it: agents running different code refuse the action instead of probing the wrong statement',
    )
    .option('--json', 'print the response body as JSON');
}

/** The body fields the shared options set. */
export function targetFields(options: TargetOptions) {
  return {
    tags: options.tag ?? [],
    agents: options.agent ?? [],
    ...(options.condition === undefined ? {} : { condition: options.condition }),
    ...(options.maxHits === undefined ? {} : { maxHits: options.maxHits }),
    ...(options.expires === undefined ? {} : { expiresIn: options.expires }),
    ...(options.lineText === undefined ? {} : { lineText: options.lineText }),
  };
}

/** POSTs the action and prints what was created (or the JSON body), then any warnings. */
export async function createAction(
  ctx: Context,
  command: Command,
  body: ActionInput,
  options: TargetOptions,
  next?: (id: string) => string,
): Promise<void> {
  const created = await ctx.api(command).post<CreatedAction>('/actions', body);
  if (options.json === true) {
    ctx.io.out(JSON.stringify(created, null, 2));
    return;
  }
  const { action } = created;
  const where = actionWhere(action);
  ctx.io.out(`created ${action.id} (${action.type} at ${where})${next === undefined ? '' : `; ${next(action.id)}`}`);
  for (const warning of created.warnings) ctx.io.err(`warning: ${warning}`);
}
