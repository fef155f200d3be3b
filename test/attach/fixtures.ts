// Pieces of the attach stories: a Node process started with no flags, `liveprobe attach` left
// running, a page served to headless chromium, and what the control plane reports.
import assert from 'node:assert/strict';
import { errorMessage } from '@liveprobe/protocol/util';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Child, builtFile, fromRoot, loopbackServer } from '@liveprobe/harness';
import { CHROMIUM, CHROMIUM_OFFLINE_ARGS } from '../helpers/browser.js';
import { tempDir, waitFor, type ControlPlane } from '../helpers/index.js';

export const WAIT = 15_000;
export const TARGET = 'test/fixtures/attach-target.mjs';
export const PAGE_DIR = 'test/fixtures/attach-page';

/** The fixture service, started with plain `node` (`node`: another binary, test/node-versions): no --inspect, no agent. */
export async function plainNodeService(t: TestContext, node = process.execPath): Promise<{ child: Child; url: string }> {
  const child = new Child(node, [builtFile(TARGET)], { name: 'plain service' });
  t.after(() => child.stop('SIGKILL'));
  const line = await child.waitForLine((text) => text.startsWith('listening on '), WAIT, '`listening on`');
  return { child, url: line.slice('listening on '.length) };
}

export interface AttachCli {
  child: Child;
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  detach(): Promise<number | null>;
}

/** Settles once the control plane lists the sidecar offline: the last thing a sidecar says. */
export async function sidecarOffline(cp: ControlPlane, agentId: string): Promise<void> {
  await waitFor(
    async () => {
      const { agents } = (await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: { agentId: string; online: boolean }[] };
      return agents.find((a) => a.agentId === agentId)?.online === false;
    },
    WAIT,
    `${agentId} reported offline`,
  );
}

/** `liveprobe attach <args>`, resolved once it printed what it attached to. */
export async function attachCli(t: TestContext, args: string[], cp: ControlPlane, env: Record<string, string> = {}): Promise<AttachCli> {
  const child = startAttach(args, cp, env);
  t.after(() => child.stop('SIGKILL'));
  await child.waitForLine((text) => text.startsWith('[liveprobe] connected to '), WAIT, 'the broker connection');
  return {
    child,
    async detach() {
      const status = await child.stop('SIGINT', WAIT);
      return status.code;
    },
  };
}

/** `liveprobe attach <args>` run to completion, for the refusals. */
/**
 * An attached target's exception action and inspector session say what applies to it: no advice
 * meant for the in-process agent (LIVEPROBE_PREPARE, `liveprobe prepare`, LIVEPROBE_INSPECTOR_SESSION).
 */
export async function assertAttachedAdvice(sidecar: AttachCli, exceptionStatus: string | undefined): Promise<void> {
  assert.equal(exceptionStatus, 'breakpoint path: the target pauses at each thrown error (an attached target always takes it)');
  const [opened] = await sidecar.child.waitForMatch(/inspector session opened: .*/, WAIT, 'the session opened');
  assert.match(opened ?? '', /^inspector session opened: the target paused while V8 reported every loaded script \(\d+ files?\)$/);
  assert.doesNotMatch(sidecar.child.output(), /LIVEPROBE_(PREPARE|INSPECTOR_SESSION)|liveprobe prepare/);
}

export async function attachFails(args: string[], cp: ControlPlane): Promise<{ code: number | null; output: string }> {
  const child = startAttach(args, cp);
  const status = await Promise.race([child.exited, new Promise<undefined>((resolve) => setTimeout(resolve, WAIT))]);
  if (status === undefined) {
    await child.stop('SIGKILL');
    assert.fail(`liveprobe attach ${args.join(' ')} kept running; output:\n${child.output()}`);
  }
  await child.closed;
  return { code: status.code, output: child.output() };
}

function startAttach(args: string[], cp: ControlPlane, env: Record<string, string> = {}): Child {
  return new Child(process.execPath, [builtFile('cli/dist/main.js'), 'attach', ...args, '--broker', cp.mqttUrl], {
    name: 'liveprobe attach',
    env,
  });
}

/** Whether anything answers /json/list at 127.0.0.1:port. */
export async function inspectorAnswers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** A static server for the page's files on 127.0.0.1. */
export async function staticServer(t: TestContext, dir: string): Promise<string> {
  const root = fromRoot(dir);
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript', map: 'application/json' };
  const server = await loopbackServer((request, response) => {
    const name = new URL(request.url ?? '/', 'http://x').pathname.replace(/^\/+/, '') || 'index.html';
    if (name.includes('..')) return void response.writeHead(400).end();
    const stream = createReadStream(join(root, name));
    stream.once('open', () => response.writeHead(200, { 'content-type': types[name.split('.').pop() ?? ''] ?? 'text/plain' }));
    stream.once('error', () => response.writeHead(404).end());
    stream.pipe(response);
  });
  // The browser keeps its connections alive: close() ends them.
  t.after(() => server.close());
  return `${server.url}/`;
}

/** Headless Debian chromium showing `url`, with its remote debugging port on loopback. */
export async function chromium(t: TestContext, url: string): Promise<{ port: number; child: Child }> {
  const profile = await tempDir('liveprobe-attach-chromium-');
  // Port 0, read back from what chromium prints: a port picked here could be taken before chromium binds it.
  const child = new Child(
    CHROMIUM,
    ['--headless', ...CHROMIUM_OFFLINE_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile.path}`, url],
    {
      name: 'chromium',
    },
  );
  t.after(async () => {
    await child.stop('SIGTERM');
    await profile.remove();
  });
  const listening = await child
    .waitForMatch(/DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//, WAIT, 'its remote debugging port')
    .catch((error: unknown) => {
      throw new Error(`chromium did not start (apt-get install chromium, or set LIVEPROBE_CHROMIUM): ${errorMessage(error)}`);
    });
  const port = Number(listening[1]);
  await waitFor(
    async () => {
      if (child.status !== undefined)
        throw new Error(`chromium exited (apt-get install chromium, or set LIVEPROBE_CHROMIUM); output:\n${child.output()}`);
      const list = await fetch(`http://127.0.0.1:${port}/json/list`)
        .then((r) => r.json() as Promise<{ url: string }[]>)
        .catch(() => []);
      return list.some((target) => target.url === url);
    },
    WAIT,
    'chromium to show the page',
  );
  return { port, child };
}

export async function snapshotsOf(cp: ControlPlane, actionId: string): Promise<{ id: string; agentId: string }[]> {
  const response = await fetch(`${cp.url}/api/v1/snapshots?action=${actionId}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { snapshots: { id: string; agentId: string }[] }).snapshots;
}

export async function snapshot(
  cp: ControlPlane,
  id: string,
): Promise<{ snapshot: Record<string, unknown> & { locals: { name: string; value: unknown }[] } }> {
  const response = await fetch(`${cp.url}/api/v1/snapshots/${id}`);
  assert.equal(response.status, 200);
  return (await response.json()) as { snapshot: Record<string, unknown> & { locals: { name: string; value: unknown }[] } };
}
