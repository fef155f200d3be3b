/** `liveprobe actions edit|disable|enable`: change an action in place, keeping its id, hits and snapshots. */
import { defined } from '@liveprobe/protocol/util';
import { type Command, Option } from 'commander';
import type { CreatedAction } from '@liveprobe/protocol';
import { LOG_LEVELS, type ActionPatch, type LogLevel, type LogOutput } from '@liveprobe/protocol';
import { collect, parseRate, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { outputOption } from './log-outputs.js';

interface EditOptions {
  condition?: string | false;
  template?: string;
  level?: LogLevel;
  output?: LogOutput[];
  watch?: string[];
  noWatches?: boolean;
  maxHits?: number;
  rate?: number;
  expires?: string;
  json?: boolean;
}

export function registerActionEdits(actions: Command, ctx: Context): void {
  actions
    .command('edit <id>')
    .description('change what an action does; its hits and snapshots stay, agents pick up the change within a second')
    .option('--condition <expr>', 'a new condition, e.g. "amount > 100"')
    .option('--no-condition', 'act on every hit again')
    .option('--template <template>', 'a log action’s new template')
    .addOption(new Option('--level <level>', 'a log action’s new severity').choices(LOG_LEVELS))
    .addOption(outputOption())
    .option('--watch <expr>', 'a snapshot’s watch expressions, replacing the old ones (repeatable)', collect)
    .option('--no-watches', 'a snapshot without watch expressions')
    .option('--max-hits <n>', 'a new hit limit', parseWholeNumber)
    .option('--rate <per-second>', 'a log or snapshot action’s new sampling rate, hits captured per second (e.g. 10 or 0.5)', parseRate)
    .option('--expires <duration>', 'expire this long from now, e.g. 30m, 2h (at most 7d)')
    .option('--json', 'print the response body as JSON')
    .action(async (id: string, options: EditOptions, command: Command) => {
      const patch = patchOf(options, command);
      if (Object.keys(patch).length === 0) {
        throw new UsageError(
          'say what to change: --condition, --no-condition, --template, --level, --output, --watch, --no-watches, --max-hits, --rate or --expires',
        );
      }
      await send(ctx, command, id, patch, options, 'edited');
    });

  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    actions
      .command(`${name} <id>`)
      .description(
        enabled
          ? 'put a disabled action back on its agents'
          : 'take an action off every agent, keeping its definition, hits and snapshots (enable brings it back)',
      )
      .option('--json', 'print the response body as JSON')
      .action(async (id: string, options: { json?: boolean }, command: Command) => {
        await send(ctx, command, id, { enabled }, options, `${name}d`);
      });
  }
}

/** Only what the user named: commander sets `condition` to true by default because of `--no-condition`. */
function patchOf(options: EditOptions, command: Command): ActionPatch {
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  return {
    ...(given('condition') ? { condition: options.condition === false ? null : String(options.condition) } : {}),
    ...defined({ template: options.template, level: options.level, outputs: options.output }),
    ...(options.watch !== undefined ? { watches: options.watch } : given('watches') ? { watches: [] } : {}),
    ...defined({ maxHits: options.maxHits, ratePerSecond: options.rate, expiresIn: options.expires }),
  };
}

async function send(ctx: Context, command: Command, id: string, patch: ActionPatch, options: { json?: boolean }, verb: string) {
  const result = await ctx.api(command).patch<CreatedAction>(`/actions/${encodeURIComponent(id)}`, patch);
  if (options.json === true) return ctx.io.out(JSON.stringify(result, null, 2));
  ctx.io.out(`${verb} ${result.action.id} (${result.action.state}: ${result.action.summary})`);
  for (const warning of result.warnings) ctx.io.err(`warning: ${warning}`);
}
