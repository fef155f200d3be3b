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
    .description('add logs and snapshots to running Node.js code without a redeploy; output goes out through OpenTelemetry')
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
  return program;
}
