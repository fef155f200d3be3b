import type { Command } from 'commander';
import { collect, parseLocation } from '../arguments.js';
import type { Context } from '../context.js';
import { createAction, targetFields, withTargetOptions, type TargetOptions } from './target-options.js';

interface SnapshotAddOptions extends TargetOptions {
  watch?: string[];
}

export function registerSnapshot(program: Command, ctx: Context): void {
  const snapshot = program
    .command('snapshot')
    .description('snapshot actions: capture the stack and variables at a line of running code, without pausing it');
  withTargetOptions(
    snapshot
      .command('add')
      .description('add a snapshot action; each hit captures the call stack, arguments, locals, closures, `this` and watch expressions')
      .argument('<file:line>', 'where, as you see it in your editor, e.g. src/server.ts:42', parseLocation)
      .option('--watch <expr>', 'also evaluate this expression at the line, e.g. "order.lines[0].sku" (repeatable)', collect),
    'stop after this many snapshots (default 1)',
  ).action(async (location: { file: string; line: number }, options: SnapshotAddOptions, command: Command) => {
    await createAction(
      ctx,
      command,
      { type: 'snapshot', ...location, watches: options.watch ?? [], ...targetFields(options) },
      options,
      (id) => `list its snapshots with: liveprobe snapshots --action ${id}`,
    );
  });
}
