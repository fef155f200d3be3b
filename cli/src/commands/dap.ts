import { defined } from '@liveprobe/protocol/util';
import type { Command } from 'commander';
import { collect } from '../arguments.js';
import type { Context } from '../context.js';
import { LiveprobeDebugSession } from '../dap/session.js';

interface DapOptions {
  tag?: string[];
  agent?: string[];
  root?: string;
}

/** `liveprobe dap`: the Debug Adapter Protocol on stdin/stdout, for nvim-dap, Emacs, JetBrains… */
export function registerDap(program: Command, _ctx: Context): void {
  program
    .command('dap')
    .description('serve the Debug Adapter Protocol on stdin/stdout: breakpoints become log and snapshot actions (see docs/editors.md)')
    .option('--tag <tag>', 'breakpoints apply to agents with this tag (repeatable; the launch configuration may override)', collect)
    .option('--agent <id>', 'breakpoints apply to this agent id (repeatable)', collect)
    .option(
      '--root <dir>',
      "the project folder files are named relative to (default: the launch configuration's `root`, else the current folder)",
    )
    .action((options: DapOptions, command: Command) => {
      const { server, token } = command.optsWithGlobals<{ server: string; token?: string }>();
      const session = new LiveprobeDebugSession({
        server,
        root: options.root ?? process.cwd(),
        ...defined({ token, tags: options.tag, agents: options.agent }),
      });
      // stdout carries the protocol: nothing else may be written there.
      session.setRunAsServer(false);
      session.start(process.stdin, process.stdout);
    });
}
