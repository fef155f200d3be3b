/** The options every `<type> add` command shares: which agents, a condition, limits, and how to print. */
import { defined } from '@liveprobe/protocol/util';
import type { Command } from 'commander';
import type { CreatedAction } from '@liveprobe/protocol';
import type { ActionInput } from '@liveprobe/protocol';
import { collect, parseRate, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';
import { actionLocation } from '../format/action-location.js';
import { UsageError } from '../errors.js';
import { type FieldTerms, inUserTerms } from '../field-terms.js';
import { ACTION_FIELD_OPTIONS } from './field-options.js';
import { agentOutcomes, ANSWER_WAIT_MS, reportAnswered } from './agent-outcomes.js';

export interface TargetOptions {
  tag?: string[];
  agent?: string[];
  condition?: string;
  maxHits?: number;
  expires?: string;
  lineText?: string;
  rate?: number;
  json?: boolean;
  /** false with --no-wait. */
  wait?: boolean;
}

/** `--rate` for the actions that produce output (log, snapshot): the action's own sampling rate. */
export function withRateOption(command: Command): Command {
  return command.option(
    '--rate <per-second>',
    "capture at most this many hits per second (e.g. 10, or 0.5 for one every 2 s); on prepared sites the rest are counted, not captured (default: the agent's hit quota)",
    parseRate,
  );
}

export const NO_WAIT_HELP = `return at once instead of waiting up to ${ANSWER_WAIT_MS / 1000} s for each targeted agent's first status`;

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
    .option('--json', 'print the response body as JSON')
    .option('--no-wait', NO_WAIT_HELP);
}

/** The body fields the shared options set. */
export function targetFields(options: TargetOptions) {
  return {
    tags: options.tag ?? [],
    agents: options.agent ?? [],
    ...defined({ condition: options.condition, maxHits: options.maxHits, expiresIn: options.expires, lineText: options.lineText }),
  };
}

/** The body field `--rate` sets. */
export function rateField(options: TargetOptions): { ratePerSecond?: number } {
  return options.rate === undefined ? {} : { ratePerSecond: options.rate };
}

/**
 * POSTs the action and prints what was created (or the JSON body, with `outcomes`), then any
 * warnings, then each targeted agent's first answer. Fails when every agent that answered
 * refused the action (it stays, for agents that join later: `liveprobe actions rm` removes it).
 * `fields` names the argument that set each field where it is not the usual one (`<tic>`).
 */
export async function createAction(
  ctx: Context,
  command: Command,
  body: ActionInput,
  options: TargetOptions,
  next?: (id: string) => string,
  fields: FieldTerms = ACTION_FIELD_OPTIONS,
): Promise<void> {
  // Said here in the CLI's words: the control plane's answer names the body field `tags`.
  if ((body.tags ?? []).length === 0 && (body.agents ?? []).length === 0) {
    throw new UsageError('no agents targeted: add --tag <tag> or --agent <id> (repeatable), e.g. --tag production');
  }
  const api = ctx.api(command);
  const created = await inUserTerms(api.post<CreatedAction>('/actions', body), body, fields, options.json);
  const answered = options.wait === false ? undefined : await agentOutcomes(api, created.action, ANSWER_WAIT_MS);
  reportAnswered(
    ctx.io,
    created,
    answered,
    options.json,
    (action) => `created ${action.id} (${action.type} at ${actionLocation(action)})${next === undefined ? '' : `; ${next(action.id)}`}`,
    (id, where) => ` ${where}; fix the action and add it again, and remove this one with: liveprobe actions rm ${id}`,
  );
}
