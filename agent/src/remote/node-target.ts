/**
 * `liveprobe attach --pid`: a Node process started without inspector flags opens its
 * inspector on 127.0.0.1:9229 when it receives SIGUSR1. Before signalling, make sure the pid is
 * Node (SIGUSR1 terminates most other programs) and that the port is not someone else's.
 */
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { AttachError } from './attach-error.js';
import { listTargets, type RemoteConnection, type TargetInfo } from './chrome-remote-transport.js';

/** Where SIGUSR1 opens the inspector when the process was not started with --inspect-port. */
export const DEFAULT_INSPECTOR_PORT = 9229;
export const LOOPBACK = '127.0.0.1';
const OPEN_TIMEOUT_MS = 5000;

/** What the process is, from /proc (Linux) or ps: its executable's name and command line. */
async function describeProcess(pid: number): Promise<{ exe: string; command: string }> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new AttachError('not_found', `no process has pid ${pid}`);
    if (code === 'EPERM')
      throw new AttachError('not_permitted', `not allowed to signal pid ${pid}; run liveprobe attach as the user that runs it`);
    throw err;
  }
  try {
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
    const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8'))
      .split('\0')
      .filter((s) => s !== '')
      .join(' ');
    return { exe, command };
  } catch {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'comm=', '-p', String(pid)]);
    return { exe: stdout.trim(), command: stdout.trim() };
  }
}

function looksLikeNode(exe: string, command: string): boolean {
  const names = [basename(exe), basename(command.split(' ')[0] ?? '')];
  return names.some((name) => /^(node|nodejs)(\d+)?$/.test(name.replace(/ \(deleted\)$/, '')));
}

/** The inspector at 127.0.0.1:port, or undefined when nothing answers there. */
async function inspectorAt(port: number): Promise<TargetInfo[] | undefined> {
  try {
    return await listTargets(LOOPBACK, port, 1000);
  } catch (err) {
    if (err instanceof AttachError) throw err;
    return undefined;
  }
}

export interface OpenedInspector {
  target: TargetInfo;
  /** True when this attach opened it (and so closes it on detach). */
  openedByUs: boolean;
}

/**
 * Opens the inspector of a running Node process with SIGUSR1 and finds its target.
 * `pidOf` connects to a listed target and reads its pid, so a port held by another process is told apart.
 */
export async function openNodeInspector(
  pid: number,
  pidOf: (target: TargetInfo) => Promise<number>,
  port = DEFAULT_INSPECTOR_PORT,
): Promise<OpenedInspector> {
  const { exe, command } = await describeProcess(pid);
  if (!looksLikeNode(exe, command)) {
    throw new AttachError(
      'not_node',
      `pid ${pid} is not Node.js (${command || exe || 'unknown program'}); SIGUSR1 would end it, so it was not sent. For another CDP runtime use --inspect host:port`,
    );
  }
  const before = await inspectorAt(port);
  if (before !== undefined) {
    const node = before.find((t) => t.type === 'node') ?? before[0];
    const owner = node === undefined ? undefined : await pidOf(node).catch(() => undefined);
    if (node !== undefined && owner === pid) return { target: node, openedByUs: false };
    throw new AttachError(
      'inspector_in_use',
      `${LOOPBACK}:${port} is already used by another inspector${owner === undefined ? '' : ` (pid ${owner})`}, so pid ${pid} cannot open its own there; stop that one, or start the target with --inspect-port and use --inspect`,
    );
  }
  process.kill(pid, 'SIGUSR1');
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const listed = await inspectorAt(port);
    const node = listed?.find((t) => t.type === 'node') ?? listed?.[0];
    if (node !== undefined) {
      const owner = await pidOf(node);
      if (owner !== pid) throw new AttachError('inspector_in_use', `${LOOPBACK}:${port} answered for pid ${owner}, not ${pid}`);
      return { target: node, openedByUs: true };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new AttachError(
    'inspector_timeout',
    `pid ${pid} did not open its inspector on ${LOOPBACK}:${port} within ${OPEN_TIMEOUT_MS / 1000} s (started with --disable-sigusr1, or an inspector on another port? see its stderr; then use --inspect)`,
  );
}

/**
 * A Node process ending (its last task done, an uncaught error, `process.exit`) waits while a
 * debugger client is connected ("Waiting for the debugger to disconnect..."): `exiting` is
 * called then, to disconnect, so it exits as it would have, with its own exit code.
 */
export async function letExit(connection: RemoteConnection, exiting: () => void): Promise<void> {
  connection.on('NodeRuntime.waitingForDisconnect', exiting);
  // A runtime whose inspector lacks it (not Node's) still attaches: it may then wait for the sidecar to detach.
  await connection.send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true }).catch(() => undefined);
}
