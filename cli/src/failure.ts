/**
 * How a run that failed ends: `error: …` lines on stderr and exit status 1, as people read it;
 * with `--json`, also one JSON document on stdout (CliErrorOutput), as a script reads it.
 */
import { type Command, CommanderError } from 'commander';
import type { CliErrorOutput } from '@liveprobe/protocol';
import { errorMessage } from '@liveprobe/protocol/util';
import { CliError } from './errors.js';
import type { Io } from './io.js';

/**
 * Whether a failure of this run is printed as JSON too: the command that ran took `--json`, or,
 * for a failure before any ran (a mistyped option, a missing argument), `--json` is on the
 * command line. Commander then throws its usage errors here instead of exiting at once.
 */
export function jsonFailures(program: Command, argv: readonly string[]): () => boolean {
  let ran: Command | undefined;
  program.hook('preAction', (_program, actionCommand) => {
    ran = actionCommand;
  });
  const args = argv.slice(2);
  const end = args.indexOf('--');
  const typed = (end === -1 ? args : args.slice(0, end)).includes('--json');
  if (typed) throwInsteadOfExiting(program);
  return () => (ran === undefined ? typed : ran.opts<{ json?: boolean }>().json === true);
}

function throwInsteadOfExiting(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) throwInsteadOfExiting(sub);
}

/** Prints the failure and returns the exit status. */
export function reportFailure(io: Io, err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander said it on stderr already; `--help` and `--version` end here too, with status 0.
    if (json && err.exitCode !== 0) io.out(JSON.stringify(usageOutput(err)));
    return err.exitCode;
  }
  // Expected failures get their message; anything else is a bug, so the stack helps.
  const lines = err instanceof CliError ? err.lines() : [err instanceof Error ? (err.stack ?? err.message) : String(err)];
  for (const line of lines) io.err(`error: ${line}`);
  if (json) io.out(JSON.stringify(err instanceof CliError ? err.output() : { error: { code: 'internal', message: errorMessage(err) } }));
  return 1;
}

function usageOutput(err: CommanderError): CliErrorOutput {
  return { error: { code: 'usage', message: err.message.replace(/^error: /, '') } };
}
