import type { Command } from 'commander';
import { ApiClient } from './api/client.js';
import type { Io } from './io.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** What every command gets from main: where to print, and how to reach the control plane. */
export interface Context {
  io: Io;
  now: () => Date;
  /** A client for the `--server` of this invocation (global option or LIVEPROBE_SERVER). */
  api(command: Command): ApiClient;
}

export function createContext(io: Io): Context {
  return {
    io,
    now: () => new Date(),
    api: (command) => new ApiClient(command.optsWithGlobals<{ server: string }>().server),
  };
}
