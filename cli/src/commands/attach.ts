import { defined } from '@liveprobe/protocol/util';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { redactUrl } from '@liveprobe/protocol';
import { collect, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { untilTerminated } from '../termination.js';

const EXIT_GRACE_MS = 1000;

interface AttachCommandOptions {
  pid?: number;
  inspect?: string;
  tag?: string[];
  agentId?: string;
  broker?: string;
}

export function registerAttach(program: Command, ctx: Context): void {
  program
    .command('attach')
    .description(
      'attach a sidecar agent to a running Node process (SIGUSR1) or a CDP target (a browser page) until Ctrl-C; detaching leaves it as it was',
    )
    .addOption(
      new Option('--pid <pid>', 'a local Node process started without inspector flags: opens its inspector on 127.0.0.1:9229')
        .argParser(parsePid)
        .conflicts('inspect'),
    )
    .option('--inspect <endpoint>', 'host:port of an open inspector or --remote-debugging-port, or a ws:// target URL')
    .option('--tag <tag>', 'a tag the sidecar joins (repeatable)', collect)
    .option('--agent-id <id>', 'the sidecar’s agent id (default: host, pid and a random suffix)')
    .addOption(
      new Option('--broker <url>', 'MQTT broker of the control plane').env('LIVEPROBE_BROKER_URL').default('mqtt://127.0.0.1:1883'),
    )
    .action(async (options: AttachCommandOptions) => {
      await run(options, ctx);
    });
}

async function run(options: AttachCommandOptions, ctx: Context): Promise<void> {
  if (options.pid === undefined && options.inspect === undefined)
    throw new CliError('usage', 'give --pid <pid> or --inspect <host:port|ws-url>');
  // Loaded here: the other commands never load the agent.
  const { attach, AttachError } = await import('@liveprobe/agent/attach');
  const terminated = untilTerminated();
  let attachment: Awaited<ReturnType<typeof attach>>;
  try {
    attachment = await attach({
      ...defined({ pid: options.pid, inspect: options.inspect }),
      tags: options.tag ?? [],
      ...defined({ agentId: options.agentId, brokerUrl: options.broker }),
      env: process.env,
      log: (line) => ctx.io.err(`[liveprobe] ${line}`),
    });
  } catch (err) {
    terminated.cancel();
    if (err instanceof AttachError) throw new CliError(err.code, err.message);
    throw err;
  }
  ctx.io.out(`attached to ${attachment.description}`);
  ctx.io.out(`agent ${attachment.agentId}, tags ${options.tag?.join(', ') || 'none'}, broker ${redactUrl(options.broker ?? '')}`);
  if (attachment.platform === 'conservative')
    ctx.io.out('values: primitives only (no node:util in this target to tell proxies apart; see docs/attach.md)');
  const ended = await Promise.race([terminated.then((signal) => ({ signal })), attachment.lost.then((reason) => ({ reason }))]);
  terminated.cancel();
  await attachment.detach();
  // An OpenTelemetry exporter still retrying an unreachable collector must not keep the sidecar alive.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  if ('reason' in ended) throw new CliError('target_lost', `${ended.reason}; the sidecar stopped`);
  ctx.io.out('detached: breakpoints and the hook removed');
}

function parsePid(text: string): number {
  const pid = parseWholeNumber(text);
  if (pid < 1) throw new InvalidArgumentError(`"${text}" is not a process id`);
  return pid;
}
