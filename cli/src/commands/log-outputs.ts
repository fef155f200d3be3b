/** `--output`, repeatable: where a log action's lines go. */
import { InvalidArgumentError, Option } from 'commander';
import { LOG_OUTPUTS, type LogOutput } from '@liveprobe/protocol';

export function outputOption(): Option {
  return new Option(
    '--output <where>',
    "where the lines go (repeatable): otel, live, console (the app's stdout/stderr), logger (the app's pino or winston); default the agent's, otel and live",
  )
    .choices(LOG_OUTPUTS)
    .argParser((value: string, previous: LogOutput[] | undefined) => {
      if (!(LOG_OUTPUTS as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${LOG_OUTPUTS.join(', ')}`);
      return [...(previous ?? []), value as LogOutput];
    });
}
