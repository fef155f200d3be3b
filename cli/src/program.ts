import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { registerActions } from './commands/actions.js';
import { registerAgents } from './commands/agents.js';
import { registerAttach } from './commands/attach.js';
import { registerLog } from './commands/log-add.js';
import { registerMetrics } from './commands/metric-add.js';
import { registerException } from './commands/exception-add.js';
import { registerSnapshot } from './commands/snapshot-add.js';
import { registerSnapshots } from './commands/snapshots.js';
import { registerTail } from './commands/tail.js';
import { registerAudit } from './commands/audit.js';
import { registerDap } from './commands/dap.js';
import { registerPrepare } from './commands/prepare.js';
import { registerToken } from './commands/token.js';
import { registerUp } from './commands/up.js';
import { DEFAULT_SERVER, type Context } from './context.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export function buildProgram(ctx: Context): Command {
  const program = new Command('liveprobe')
    .description(
      'add logs, snapshots and metrics to running Node.js and Python code without a redeploy; output goes out through OpenTelemetry',
    )
    .version(version)
    .addOption(new Option('--server <url>', 'control plane URL').env('LIVEPROBE_SERVER').default(DEFAULT_SERVER))
    .addOption(
      new Option('--token <token>', 'API token (or an identity provider JWT) sent as Authorization: Bearer').env('LIVEPROBE_TOKEN'),
    )
    .showHelpAfterError();
  registerUp(program, ctx);
  registerLog(program, ctx);
  registerMetrics(program, ctx);
  registerSnapshot(program, ctx);
  registerException(program, ctx);
  registerSnapshots(program, ctx);
  registerActions(program, ctx);
  registerAgents(program, ctx);
  registerTail(program, ctx);
  registerToken(program, ctx);
  registerAudit(program, ctx);
  registerAttach(program, ctx);
  registerDap(program, ctx);
  registerPrepare(program, ctx);
  pointLeavesAtTheirHelp(program);
  return program;
}

/**
 * A mistake in a command's arguments or options is said in one line and a pointer to its help:
 * the whole help after it would scroll the one line that matters off the screen. A command
 * group keeps printing its help, the list of its commands being what a mistyped one needs.
 */
function pointLeavesAtTheirHelp(command: Command, path = command.name()): void {
  if (command.commands.length === 0) {
    command.showHelpAfterError(`(see: ${path} --help)`);
    return;
  }
  command.hook('preSubcommand', refuseUnknownCommand);
  for (const sub of command.commands) pointLeavesAtTheirHelp(sub, `${path} ${sub.name()}`);
}

/**
 * A group with a default command (`actions` lists) hands it any word that names none of its
 * commands: `liveprobe actions delete act_1` would read "too many arguments for 'list'".
 */
function refuseUnknownCommand(group: Command, chosen: Command): void {
  const [first] = group.args;
  if (first === undefined || first.startsWith('-') || first === chosen.name() || chosen.aliases().includes(first)) return;
  group.error(`error: unknown command '${first}' for '${commandPath(group)}'`, { code: 'commander.unknownCommand' });
}

function commandPath(command: Command): string {
  return command.parent === null ? command.name() : `${commandPath(command.parent)} ${command.name()}`;
}
