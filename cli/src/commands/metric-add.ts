import { defined } from '@liveprobe/protocol/util';
import { InvalidArgumentError, type Command } from 'commander';
import { parseLocation } from '../arguments.js';
import type { Context } from '../context.js';
import { ACTION_FIELD_OPTIONS } from './field-options.js';
import { createAction, targetFields, withTargetOptions, type TargetOptions } from './target-options.js';

interface MetricOptions extends TargetOptions {
  name: string;
  unit?: string;
  description?: string;
  attr?: Record<string, string>;
  gauge?: boolean;
}

/** `--attr key=expr`, repeatable. */
function collectAttribute(text: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${text}" is not key=expression, e.g. tier=user.tier`);
  return { ...previous, [text.slice(0, eq).trim()]: text.slice(eq + 1).trim() };
}

/** `src/x.ts:42` or `src/x.ts:Class.method`. */
function parseFunctionOrLine(text: string): { file: string; line?: number; function?: string } {
  const colon = text.lastIndexOf(':');
  const rest = text.slice(colon + 1);
  if (colon <= 0 || rest === '') throw new InvalidArgumentError(`"${text}" is not file:line or file:function, e.g. src/orders.ts:checkout`);
  return /^\d+$/.test(rest) ? parseLocation(text) : { file: text.slice(0, colon), function: rest };
}

/** Each metric type is a group (`counter add …`); its description is the one `liveprobe --help` lists. */
function metricCommand(parent: Command, name: string, description: string, exampleName: string): Command {
  return withTargetOptions(
    parent
      .command(name)
      .description(`${name} actions: ${description}`)
      .command('add')
      .description(`add a ${name} action: ${description}`)
      .requiredOption('--name <metric>', `the metric name (required), e.g. ${exampleName}`)
      .option('--description <text>', 'the metric description')
      .option('--attr <key=expr>', 'an extra attribute evaluated at the line, e.g. tier=user.tier (repeatable)', collectAttribute),
    'stop after this many data points (default 1000000)',
  );
}

const common = (options: MetricOptions) => ({
  name: options.name,
  ...defined({ description: options.description }),
  attributes: options.attr ?? {},
  ...targetFields(options),
});

export function registerMetrics(program: Command, ctx: Context): void {
  metricCommand(program, 'counter', 'count how often a line runs, as an OpenTelemetry counter', 'shop.checkout.calls')
    .argument('<file:line>', 'the line to count, e.g. src/server.ts:42', parseLocation)
    .option('--unit <unit>', 'the unit (default {hit})')
    .action(async (location: { file: string; line: number }, options: MetricOptions, command: Command) => {
      await createAction(ctx, command, { type: 'counter', ...location, ...common(options), ...defined({ unit: options.unit }) }, options);
    });

  metricCommand(
    program,
    'tictoc',
    'time from one line (tic) to another (toc) in the same invocation, as a histogram in seconds',
    'shop.checkout.reserve_time',
  )
    .argument('<tic>', 'where timing starts, e.g. src/server.ts:40', parseLocation)
    .argument('<toc>', 'where it stops, e.g. src/server.ts:52 (any file)', parseLocation)
    .action(async (tic: { file: string; line: number }, toc: { file: string; line: number }, options: MetricOptions, command: Command) => {
      await createAction(
        ctx,
        command,
        { type: 'tictoc', ...tic, toc: { file: toc.file, line: toc.line }, ...common(options) },
        options,
        undefined,
        { ...ACTION_FIELD_OPTIONS, file: '<tic>', line: '<tic>', toc: '<toc>' },
      );
    });

  metricCommand(
    program,
    'duration',
    'measure a whole function on every exit (returns, throws; async functions until they settle), as a histogram in seconds',
    'shop.checkout.duration',
  )
    .argument(
      '<file:function-or-line>',
      'the function by name (src/orders.ts:checkout, src/x.ts:Class.method) or by any line inside it or its declaring line',
      parseFunctionOrLine,
    )
    .action(async (target: { file: string; line?: number; function?: string }, options: MetricOptions, command: Command) => {
      const where = '<file:function-or-line>';
      await createAction(ctx, command, { type: 'duration', ...target, ...common(options) }, options, undefined, {
        ...ACTION_FIELD_OPTIONS,
        file: where,
        line: where,
        function: where,
      });
    });

  metricCommand(program, 'metric', 'record the value of an expression at a line, as a histogram (or a gauge)', 'shop.order.amount')
    .argument('<file:line>', 'where, e.g. src/server.ts:42', parseLocation)
    .argument('<expr>', 'a number-valued expression, e.g. order.amount')
    .option('--unit <unit>', 'the unit, e.g. USD, By, ms')
    .option('--gauge', 'record the last value as a gauge instead of a histogram')
    .action(async (location: { file: string; line: number }, expression: string, options: MetricOptions, command: Command) => {
      await createAction(
        ctx,
        command,
        {
          type: 'metric',
          ...location,
          expression,
          instrument: options.gauge === true ? 'gauge' : 'histogram',
          ...defined({ unit: options.unit }),
          ...common(options),
        },
        options,
      );
    });
}
