#!/usr/bin/env node
/**
 * node bench/dist/fleet-simulator/fleet-simulator.js --broker mqtt://127.0.0.1:1883 --agents 1000 --tags a,b [--processes 2]
 *
 * Runs simulated agents until Ctrl-C, then takes them offline cleanly. Prints when the fleet
 * is online and when every agent has installed (removed, expired) an action.
 */
import { defined, errorMessage } from '@liveprobe/protocol/util';
import { parseArgs } from 'node:util';
import { isTopicSafe, type ActionState } from '@liveprobe/protocol';
import { agentIdOf, startFleet, type Fleet } from './fleet.js';
import { startFleetProcesses, type ChildMessage, type ChildOptions, type FleetProcesses, type ParentMessage } from './fleet-processes.js';
import { preciseNow } from '@liveprobe/harness/clock';
import { redact, type AgentNotice } from './simulated-agent.js';

const USAGE = `usage: fleet-simulator --broker <url> --agents <n> --tags <a,b> [options]

  --broker <url>             MQTT broker, e.g. mqtt://127.0.0.1:1883 (credentials may ride in the URL)
  --agents <n>               how many simulated agents (default 100)
  --tags <a,b>               tags every agent carries (default: none)
  --processes <n>            processes to spread the agents over (default 1)
  --id-prefix <prefix>       agent ids are <prefix>-00000, <prefix>-00001, … (default sim)
  --topic-prefix <prefix>    MQTT topic prefix (default liveprobe/v1)
  --heartbeat <seconds>      seconds between each agent's heartbeats; 0 for none (default 30)
  --connect-concurrency <n>  connections opened at once per process while starting (default 50)`;

const REPORTED_STATES: readonly ActionState[] = ['installed', 'removed', 'expired'];

async function runCli(argv: string[]): Promise<void> {
  // biome-ignore lint/suspicious/noImplicitAnyLet: parseArgs infers the type from the options it is given below
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        broker: { type: 'string' },
        agents: { type: 'string', default: '100' },
        tags: { type: 'string', default: '' },
        processes: { type: 'string', default: '1' },
        'id-prefix': { type: 'string', default: 'sim' },
        'topic-prefix': { type: 'string' },
        heartbeat: { type: 'string', default: '30' },
        'connect-concurrency': { type: 'string', default: '50' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return fail(`${errorMessage(err)}\n${USAGE}`);
  }
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  if (values.broker === undefined) return fail(`--broker is required\n${USAGE}`);
  const agents = count('--agents', values.agents, 1);
  const processes = count('--processes', values.processes, 1);
  const heartbeatSeconds = count('--heartbeat', values.heartbeat, 0);
  const connectConcurrency = count('--connect-concurrency', values['connect-concurrency'], 1);
  const tags = values.tags
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  for (const tag of tags)
    if (!isTopicSafe(tag)) return fail(`--tags: "${tag}" is not a valid tag; use letters, digits, ".", "_", ":" or "-"`);
  const idPrefix = values['id-prefix'];
  if (!isTopicSafe(agentIdOf(idPrefix, 0))) return fail(`--id-prefix: "${idPrefix}" does not make valid agent ids`);

  const progress = new InstallProgress(agents);
  const options = {
    broker: values.broker,
    agents,
    tags,
    idPrefix,
    heartbeatSeconds,
    connectConcurrency,
    ...defined({ topicPrefix: values['topic-prefix'] }),
    onNotice: (notice: AgentNotice) => progress.notice(notice),
  };
  const last = agentIdOf(idPrefix, agents - 1);
  console.log(
    `fleet-simulator: ${agents} agent${agents === 1 ? '' : 's'} (${agentIdOf(idPrefix, 0)}${agents > 1 ? ` … ${last}` : ''}), tags ${tags.join(', ') || 'none'}, on ${redact(values.broker)}, in ${processes} process${processes === 1 ? '' : 'es'}`,
  );
  const started = preciseNow();
  let fleet: Fleet | FleetProcesses;
  try {
    fleet =
      processes === 1
        ? await startFleet(options)
        : await startFleetProcesses({
            ...options,
            processes,
            onChildExit: (pid, code, signal) =>
              console.error(`fleet-simulator: process ${pid} ended (${signal ?? `code ${code}`}); its agents are gone`),
          });
  } catch (err) {
    return fail(errorMessage(err));
  }
  console.log(`fleet-simulator: all ${agents} online after ${((preciseNow() - started) / 1000).toFixed(2)} s; Ctrl-C takes them offline`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fleet.stop();
  console.log(`fleet-simulator: ${agents} agents offline`);
}

/** Prints one line per action and state once every agent reported it. */
class InstallProgress {
  readonly #seen = new Map<string, { count: number; first: number }>();

  constructor(private readonly agents: number) {}

  notice(notice: AgentNotice): void {
    if (notice.kind !== 'status' || !REPORTED_STATES.includes(notice.state)) return;
    const key = `${notice.actionId} ${notice.state}`;
    const entry = this.#seen.get(key) ?? { count: 0, first: notice.at };
    entry.count++;
    this.#seen.set(key, entry);
    if (entry.count === this.agents) {
      console.log(
        `fleet-simulator: ${notice.actionId} ${notice.state} on ${this.agents}/${this.agents} agents, ${(notice.at - entry.first).toFixed(0)} ms from the first to the last`,
      );
    }
  }
}

/** A child of startFleetProcesses: runs its share, reports over IPC (notices batched), stops when told. */
async function runChild(json: string): Promise<void> {
  const options = JSON.parse(json) as ChildOptions;
  const send = (message: ChildMessage) => {
    if (process.connected) process.send?.(message);
  };
  let batch: AgentNotice[] = [];
  let flush: NodeJS.Timeout | undefined;
  const onNotice = (notice: AgentNotice) => {
    if (notice.kind === 'desired' && !options.forwardDesired) return;
    batch.push(notice);
    flush ??= setTimeout(() => {
      flush = undefined;
      const notices = batch;
      batch = [];
      send({ t: 'notices', notices });
    }, 20);
  };
  let fleet: Fleet;
  try {
    fleet = await startFleet({ ...options, onNotice });
  } catch (err) {
    send({ t: 'failed', message: errorMessage(err) });
    process.disconnect?.();
    return;
  }
  send({ t: 'ready' });
  const stop = async () => {
    await fleet.stop();
    process.disconnect?.();
  };
  process.on('message', (message: ParentMessage) => {
    if (message.t === 'stop') void stop();
  });
  // The parent died: nobody will ask politely.
  process.once('disconnect', () => void fleet.stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop());
}

function count(option: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) fail(`${option}: "${text}" must be a whole number of at least ${min}`);
  return value;
}

function fail(message: string): never {
  console.error(`fleet-simulator: ${message}`);
  process.exit(2);
}

// Last, so every declaration above is initialised before it runs.
if (process.argv[2] === '--child') await runChild(process.argv[3] ?? '{}');
else await runCli(process.argv.slice(2));
