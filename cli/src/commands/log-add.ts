import { defined } from '@liveprobe/protocol/util';
import { Option, type Command } from 'commander';
import { LOG_LEVELS, type LogLevel, type LogOutput } from '@liveprobe/protocol';
import { parseLocation } from '../arguments.js';
import { outputOption } from './log-outputs.js';
import type { Context } from '../context.js';
import { createAction, rateField, targetFields, withRateOption, withTargetOptions, type TargetOptions } from './target-options.js';

interface LogAddOptions extends TargetOptions {
  level?: LogLevel;
  output?: LogOutput[];
}

export function registerLog(program: Command, ctx: Context): void {
  const log = program.command('log').description('log actions: print a message from a line of running code, no redeploy');
  withTargetOptions(
    withRateOption(
      log
        .command('add')
        .description('add a log action; {expressions} in the template are evaluated in scope at that line')
        .argument('<file:line>', 'where, as you see it in your editor, e.g. src/server.ts:42', parseLocation)
        .argument('<template>', 'the message, e.g. "order {order.id} for {user.name}"')
        .addOption(new Option('--level <level>', 'severity (default info)').choices(LOG_LEVELS))
        .addOption(outputOption()),
    ),
    'stop after this many hits (default 1000)',
  ).action(async (location: { file: string; line: number }, template: string, options: LogAddOptions, command: Command) => {
    await createAction(
      ctx,
      command,
      {
        type: 'log',
        ...location,
        template,
        ...targetFields(options),
        ...rateField(options),
        ...defined({ level: options.level, outputs: options.output }),
      },
      options,
    );
  });
}
