// A real Mosquitto broker in a child process, for the external-broker tests and the propagation benchmark.
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Child, exitDescription } from './child.js';
import { onFreePort, portTaken } from './free-port.js';
import { tempDir } from './temp-dir.js';
import { StopWaiting, waitFor } from './wait-for.js';

export interface Mosquitto {
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  /** The broker's process id (a benchmark reads its memory). */
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
  /** Stops the broker (clients see it go away), leaving the port free until `start()`. */
  kill(): Promise<void>;
  /** Starts it again on the same port, as an operator restarting the service would. */
  start(): Promise<void>;
}

const binary = '/usr/sbin/mosquitto';

export interface MosquittoOptions {
  /** Config lines instead of `allow_anonymous true`, e.g. a password_file and an acl_file. */
  auth?: string[];
  /** More config lines, e.g. `max_queued_messages 10000` for a large fleet. */
  settings?: string[];
  /** No log lines (a benchmark connecting thousands of clients); by default they go to output(). */
  quiet?: boolean;
}

/** Whether /usr/sbin/mosquitto exists (a benchmark leaves the Mosquitto rows out without it). */
export function mosquittoAvailable(): Promise<boolean> {
  return access(binary, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * A real Mosquitto broker (MQTT 5) on a free loopback port, for the external-broker tests and
 * benchmarks. A missing binary is an error, never a skip: those tests are what proves `--broker` works.
 */
export async function mosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!(await mosquittoAvailable()))
    throw new Error(`${binary} not found: install it with \`apt-get install -y mosquitto\` (.ci/run does)`);
  const dir = await tempDir('liveprobe-mosquitto-');
  const config = join(dir.path, 'mosquitto.conf');
  const started = await onFreePort(async (port) => {
    await writeFile(
      config,
      [
        `listener ${port} 127.0.0.1`,
        ...(options.auth ?? ['allow_anonymous true']),
        'persistence false',
        options.quiet === true ? 'log_dest none' : 'log_dest stderr',
        ...(options.settings ?? []),
        '',
      ].join('\n'),
    );
    return { port, child: await launch(config, port) };
  }).catch(async (error: unknown) => {
    await dir.remove();
    throw error;
  });
  const { port } = started;
  let child = started.child;
  const stop = async () => {
    await child.stop();
    await dir.remove();
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    get pid() {
      return child.pid;
    },
    output: () => child.output(),
    stop,
    kill: async () => {
      await child.stop();
    },
    start: async () => {
      child = await launch(config, port);
    },
  };
}

async function launch(config: string, port: number): Promise<Child> {
  const child = new Child(binary, ['-c', config], { name: 'mosquitto' });
  try {
    await waitFor(
      () => {
        const status = child.status;
        if (status === undefined) return accepts(port);
        // With `log_dest none` mosquitto does not say why: a port taken meanwhile is told here, for onFreePort.
        return portTaken(port).then((taken) => {
          const why = taken ? ` (port ${port}: address already in use)` : '';
          throw new StopWaiting(`mosquitto exited (${exitDescription(status)})${why}:\n${child.output()}`);
        });
      },
      10_000,
      `mosquitto to accept connections on port ${port}`,
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
