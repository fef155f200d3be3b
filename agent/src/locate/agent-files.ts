/**
 * The agent's own files, which no action may probe: a breakpoint inside the hook would see the
 * values before redaction, and a probe of the agent's code could reach its settings. Whatever
 * the control plane asks and whatever the agent's configuration says, an action on one of them
 * is refused.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizePath } from './glob.js';

/** The directories the agent's code is loaded from: this package and the protocol package it uses, as real paths. */
const AGENT_DIRS: readonly string[] = [fileURLToPath(new URL('../..', import.meta.url)), protocolDir()]
  .filter((dir): dir is string => dir !== undefined)
  .flatMap((dir) => [dir, realOrSelf(dir)])
  .map((dir) => normalizePath(dir).replace(/\/?$/, '/'));

/** How the remote hook's injected script is named (agent/scripts/bundle-remote-hook.mjs). */
const HOOK_SCHEME = 'liveprobe://';

/** The agent's npm scope, wherever it is installed (another copy than this one included). */
const AGENT_PATTERNS: readonly RegExp[] = [/(?:^|\/)node_modules\/@liveprobe\//];

export class AgentFileError extends Error {
  readonly code = 'agent_file';
  override name = 'AgentFileError';
  constructor(readonly file: string) {
    super(
      `file \`${file}\` is part of the liveprobe agent itself; the agent never probes its own code (it would see values before redaction). Probe a line of the application instead`,
    );
  }
}

/** The first of `files` that is the agent's own, or undefined. */
export function agentFileAmong(files: readonly string[]): string | undefined {
  return files.find((file) => {
    if (file.startsWith(HOOK_SCHEME)) return true;
    const path = normalizePath(file);
    return AGENT_DIRS.some((dir) => path.startsWith(dir)) || AGENT_PATTERNS.some((pattern) => pattern.test(path));
  });
}

function protocolDir(): string | undefined {
  try {
    // …/protocol/dist/index.js → …/protocol/
    return dirname(dirname(createRequire(import.meta.url).resolve('@liveprobe/protocol')));
  } catch {
    return undefined;
  }
}

function realOrSelf(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}
