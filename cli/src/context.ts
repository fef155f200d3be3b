import type { Command } from 'commander';
import { ApiClient } from './api/client.js';
import type { Io } from './io.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** What every command gets from main: where to print, and how to reach the control plane. */
export interface Context {
  io: Io;
  now: () => Date;
  /** A client for the `--server` and `--token` of this invocation (global options or LIVEPROBE_SERVER, LIVEPROBE_TOKEN). */
  api(command: Command): ApiClient;
}

export function createContext(io: Io): Context {
  return {
    io,
    now: () => new Date(),
    api: (command) => {
      const { server, token } = command.optsWithGlobals<{ server: string; token?: string }>();
      return new ApiClient(server, token);
    },
  };
}
