/**
 * A fleet spread over several processes (one core cannot drive thousands of MQTT clients and
 * the system under test). Each child runs `startFleet` on its share of the agents and reports
 * over IPC; the parent keeps the same counts as an in-process fleet.
 */
import { defined } from '@liveprobe/protocol/util';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ActionState } from '@liveprobe/protocol';
import type { FleetOptions } from './fleet.js';
import type { AgentNotice } from './simulated-agent.js';
import { StatusBook } from './status-book.js';

export interface FleetProcessesOptions extends FleetOptions {
  /** Child processes the agents are spread over. */
  processes: number;
  /** Forward `desired` notices too (one per agent per desired-state message); statuses always come. */
  forwardDesired?: boolean;
  /** A child that ends after the fleet started; the fleet is then incomplete. */
  onChildExit?: (pid: number, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface FleetProcesses {
  readonly pids: readonly number[];
  readonly agents: number;
  count(actionId: string, state: ActionState): number;
  waitFor(actionId: string, state: ActionState, count: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Child → parent. */
export type ChildMessage = { t: 'ready' } | { t: 'failed'; message: string } | { t: 'notices'; notices: AgentNotice[] };

/** Parent → child. */
export type ParentMessage = { t: 'stop' };

/** What a child is started with (JSON in its argv). */
export interface ChildOptions extends Omit<FleetOptions, 'onNotice'> {
  forwardDesired: boolean;
}

const STOP_TIMEOUT_MS = 30_000;

export async function startFleetProcesses(options: FleetProcessesOptions): Promise<FleetProcesses> {
  const processes = Math.max(1, Math.min(options.processes, options.agents));
  const book = new StatusBook();
  const children: ChildProcess[] = [];
  let stopping = false;
  const script = childScript();
  const starts: Promise<void>[] = [];
  let firstIndex = options.firstIndex ?? 0;
  for (let i = 0; i < processes; i++) {
    const share = Math.floor(options.agents / processes) + (i < options.agents % processes ? 1 : 0);
    const childOptions: ChildOptions = {
      broker: options.broker,
      agents: share,
      tags: options.tags,
      firstIndex,
      ...defined({
        idPrefix: options.idPrefix,
        topicPrefix: options.topicPrefix,
        heartbeatSeconds: options.heartbeatSeconds,
        connectConcurrency: options.connectConcurrency,
        connectTimeoutSeconds: options.connectTimeoutSeconds,
      }),
      forwardDesired: options.forwardDesired ?? false,
    };
    firstIndex += share;
    const child = fork(script.path, ['--child', JSON.stringify(childOptions)], {
      execArgv: script.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    starts.push(
      new Promise<void>((resolve, reject) => {
        child.on('message', (message: ChildMessage) => {
          if (message.t === 'ready') resolve();
          else if (message.t === 'failed') reject(new Error(message.message));
          else {
            for (const notice of message.notices) {
              if (notice.kind === 'status') book.record(notice.actionId, notice.agentId, notice.state);
              options.onNotice?.(notice);
            }
          }
        });
        child.once('exit', (code, signal) => {
          reject(new Error(`a fleet-simulator process ended before its agents were online (${signal ?? `code ${code}`})`));
          if (!stopping) options.onChildExit?.(child.pid ?? 0, code, signal);
        });
      }),
    );
  }

  const stop = async () => {
    stopping = true;
    await Promise.all(children.map((child) => stopChild(child)));
  };
  try {
    await Promise.all(starts);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pids: children.map((c) => c.pid ?? 0),
    agents: options.agents,
    count: (actionId, state) => book.count(actionId, state),
    waitFor: (actionId, state, wanted, timeoutMs) => book.waitFor(actionId, state, wanted, timeoutMs),
    stop,
  };
}

/** Asks the child to take its agents offline cleanly; kills it if it does not end in time. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send({ t: 'stop' } satisfies ParentMessage);
    else child.kill('SIGTERM');
  });
}

/** The CLI entry beside this module: built JavaScript, or TypeScript through tsx when run from source (tests). */
function childScript(): { path: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const path = fileURLToPath(new URL(`./fleet-simulator.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return { path, execArgv: fromSource ? ['--import', 'tsx'] : [] };
}
