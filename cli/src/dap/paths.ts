/**
 * Names files the way agents match them, and back. The editor knows absolute local paths; agents
 * match an action's file by path suffix, so a path relative to the project root is what they need
 * (`src/server.ts`), or, where the deployed tree differs, the deployed path a mapping gives.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

export interface PathMapping {
  /** The local project folder; files are named relative to it. */
  root?: string;
  /** Local folder → the path agents see for it, e.g. {"/home/me/shop": "/srv/shop"}. */
  map?: Record<string, string>;
}

/** The file name to send with an action for the local file at `localPath`. */
export function agentFileOf(localPath: string, mapping: PathMapping): string {
  for (const [local, remote] of Object.entries(mapping.map ?? {})) {
    const rest = relative(local, localPath);
    if (!rest.startsWith('..') && !isAbsolute(rest)) return joinPosix(remote, rest);
  }
  if (mapping.root !== undefined) {
    const rest = relative(mapping.root, localPath);
    if (!rest.startsWith('..') && !isAbsolute(rest)) return rest.split(sep).join('/');
  }
  return localPath;
}

/**
 * The local file for a path an agent reported (a deployed path, after source maps): through the
 * mapping, else the longest suffix of it that exists under the root, else nothing.
 */
export function localFileOf(agentPath: string, mapping: PathMapping): string | undefined {
  for (const [local, remote] of Object.entries(mapping.map ?? {})) {
    const prefix = remote.endsWith('/') ? remote : `${remote}/`;
    if (agentPath.startsWith(prefix)) return join(local, agentPath.slice(prefix.length));
  }
  if (mapping.root === undefined) return existsSync(agentPath) ? agentPath : undefined;
  const parts = agentPath.split(/[\\/]/).filter((part) => part !== '');
  for (let i = 0; i < parts.length; i++) {
    const candidate = join(mapping.root, ...parts.slice(i));
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function joinPosix(base: string, rest: string): string {
  return `${base.replace(/\/+$/, '')}/${rest.split(sep).join('/')}`;
}
