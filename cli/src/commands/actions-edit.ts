/** `liveprobe actions edit|disable|enable`: change an action in place, keeping its id, hits and snapshots. */
import { defined } from '@liveprobe/protocol/util';
import { type Command, Option } from 'commander';
import type { ActionView, CreatedAction } from '@liveprobe/protocol';
import { LOG_LEVELS, type ActionPatch, type LogLevel, type LogOutput } from '@liveprobe/protocol';
import { collect, parseRate, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { inUserTerms } from '../field-terms.js';
import { agentOutcomes, ANSWER_WAIT_MS, reportAnswered } from './agent-outcomes.js';
import { ACTION_FIELD_OPTIONS } from './field-options.js';
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
  type?: string | false;
  message?: string | false;
  file?: string[];
  noFiles?: boolean;
  frames?: number;
  json?: boolean;
  /** false with --no-wait. */
  wait?: boolean;
}

interface SendOptions {
  json?: boolean;
  wait?: boolean;
}

const NO_WAIT_HELP = `return at once instead of waiting up to ${ANSWER_WAIT_MS / 1000} s for each agent running the action to answer the change`;

export function registerActionEdits(actions: Command, ctx: Context): void {
  actions
    .command('edit <id>')
    .description('change what an action does, keeping its hits and snapshots, and print what each agent made of it')
    .option('--condition <expr>', 'a new condition, e.g. "amount > 100"')
    .option('--no-condition', 'act on every hit again')
    .option('--template <template>', 'a log action’s new template')
    .addOption(new Option('--level <level>', 'a log action’s new severity').choices(LOG_LEVELS))
    .addOption(outputOption())
    .option('--watch <expr>', 'a snapshot’s watch expressions, replacing the old ones (repeatable)', collect)
    .option('--no-watches', 'a snapshot without watch expressions')
    .option('--max-hits <n>', 'a new hit limit', parseWholeNumber)
    .option(
      '--rate <n>',
      'a new rate: for a log or snapshot action hits captured per second (e.g. 10 or 0.5); for an exception action snapshots a minute per stack',
      parseRate,
    )
    .option('--type <name>', 'an exception action’s error class filter, e.g. TypeError')
    .option('--no-type', 'an exception action catching errors of any class')
    .option('--message <regex>', 'an exception action’s message filter, a regular expression')
    .option('--no-message', 'an exception action catching any message')
    .option('--file <glob>', 'an exception action’s file globs, replacing the old ones (repeatable)', collect)
    .option('--no-files', 'an exception action catching errors thrown in any file')
    .option('--frames <n>', 'how many frames an exception action captures, from the throw site outwards (1-8)', parseWholeNumber)
    .option('--expires <duration>', 'expire this long from now, e.g. 30m, 2h (at most 7d)')
    .option('--json', 'print the response body as JSON, with each agent’s answer as `outcomes`')
    .option('--no-wait', NO_WAIT_HELP)
    .action(async (id: string, options: EditOptions, command: Command) => {
      const patch = patchOf(options, command);
      if (Object.keys(patch).length === 0) {
        throw new UsageError(
          'say what to change: --condition, --no-condition, --template, --level, --output, --watch, --no-watches, --max-hits, --rate, --type, --no-type, --message, --no-message, --file, --no-files, --frames or --expires',
        );
      }
      // `--rate` is per second on a log or snapshot, per minute and stack on an exception action (as `exception add --rate`).
      const before = await current(ctx, command, id);
      const { ratePerSecond, ...rest } = patch;
      const perMinute = ratePerSecond !== undefined && before.type === 'exception';
      await send(ctx, command, before, perMinute ? { ...rest, ratePerMinute: ratePerSecond } : patch, options, 'edited');
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
      .option('--json', 'print the response body as JSON, with each agent’s answer as `outcomes`')
      .option('--no-wait', NO_WAIT_HELP)
      .action(async (id: string, options: SendOptions, command: Command) => {
        await send(ctx, command, await current(ctx, command, id), { enabled }, options, `${name}d`);
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
    ...(given('type') ? { errorType: options.type === false ? null : String(options.type) } : {}),
    ...(given('message') ? { messagePattern: options.message === false ? null : String(options.message) } : {}),
    ...(options.file !== undefined ? { files: options.file } : given('files') ? { files: null } : {}),
    ...defined({ frames: options.frames }),
  };
}

function current(ctx: Context, command: Command, id: string): Promise<ActionView> {
  return ctx.api(command).get<ActionView>(`/actions/${encodeURIComponent(id)}`);
}

/**
 * PATCHes the action, waits (bounded) for the agents to answer the change, and prints the action
 * as it is then (or the JSON body, with `outcomes`), any warnings, and each agent's answer.
 * `before` tells an answer to this change from a status reported earlier. An edit fails when
 * every agent that answered refused the new definition.
 */
async function send(ctx: Context, command: Command, before: ActionView, patch: ActionPatch, options: SendOptions, verb: string) {
  const api = ctx.api(command);
  const request = api.patch<CreatedAction>(`/actions/${encodeURIComponent(before.id)}`, patch);
  const result = await inUserTerms(request, patch, ACTION_FIELD_OPTIONS, options.json);
  const answered = options.wait === false ? undefined : await agentOutcomes(api, result.action, ANSWER_WAIT_MS, before);
  reportAnswered(
    ctx.io,
    result,
    answered,
    options.json,
    (action) => `${verb} ${action.id} (${action.state}: ${action.summary})`,
    (id, where) => ` as ${verb} ${where}; edit it again, or remove it with: liveprobe actions rm ${id}`,
  );
}
