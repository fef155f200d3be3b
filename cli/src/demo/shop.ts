import { defined } from '@liveprobe/protocol/util';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DemoError } from '../errors.js';

// From cli/dist/demo/ up to the repository root: --demo runs from a clone, where the example lives.
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** What runs: tsc's output, with source maps. */
export const SHOP_SCRIPT = 'examples/shop/dist/server.js';
/** What the user reads and names in actions. */
export const SHOP_SOURCE = 'examples/shop/src/server.ts';
const LISTENING = /listening on (http:\/\/\S+)/;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 3000;

export interface ShopOptions {
  brokerUrl: string;
  port: number;
  topicPrefix: string | undefined;
  /** The environment the shop inherits (the CLI's own). */
  env: NodeJS.ProcessEnv;
  /** Receives every output line of the shop, already prefixed. */
  print(line: string): void;
}

export interface Shop {
  url: string;
  stop(): Promise<void>;
}

/** 1-based line of the comment `probe: <marker>` in the shop's TypeScript source. */
export function shopLineOf(marker: string): number {
  const lines = readFileSync(join(repoRoot, SHOP_SOURCE), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(`probe: ${marker}`));
  if (index === -1) throw new DemoError(`${SHOP_SOURCE} has no line marked "probe: ${marker}"; the demo commands cannot point at it`);
  return index + 1;
}

/** The demo shop's agent id starts with this, and its agent token may connect as `demo-shop-*` only. */
export const DEMO_AGENT_PREFIX = 'demo-shop-';

/** Runs the example shop with the agent loaded, and resolves once it listens. */
export async function startShop(options: ShopOptions): Promise<Shop> {
  const child = spawn(process.execPath, ['--import', '@liveprobe/agent/register', shopPath()], {
    // `@liveprobe/agent` resolves from the root's node_modules.
    cwd: repoRoot,
    env: {
      ...options.env,
      LIVEPROBE_BROKER_URL: options.brokerUrl,
      LIVEPROBE_TAGS: 'demo',
      LIVEPROBE_AGENT_ID: `${DEMO_AGENT_PREFIX}${randomBytes(3).toString('hex')}`,
      // The shop's compiled files are prepared at load time (install path 2), unless the user chose otherwise.
      LIVEPROBE_PREPARE: options.env.LIVEPROBE_PREPARE ?? 'examples/shop/dist/**',
      ...defined({ LIVEPROBE_TOPIC_PREFIX: options.topicPrefix }),
      PORT: String(options.port),
      OTEL_SERVICE_NAME: 'shop',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DemoError(`the demo shop did not report "listening on" within ${START_TIMEOUT_MS / 1000}s`)),
      START_TIMEOUT_MS,
    );
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        options.print(`[shop] ${line}`);
        const match = LISTENING.exec(line);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    }
    child.once('error', (err) => reject(new DemoError(`cannot start the demo shop: ${err.message}`)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      options.print(`[shop] exited (${signal ?? `code ${code}`})`);
      reject(new DemoError(`the demo shop exited during start-up (${signal ?? `code ${code}`}); its output is above`));
    });
  }).catch(async (err: unknown) => {
    await stop(child, exited);
    throw err;
  });
  return { url, stop: () => stop(child, exited) };
}

function shopPath(): string {
  const path = join(repoRoot, SHOP_SCRIPT);
  if (!existsSync(path))
    throw new DemoError(
      `the demo app is not at ${path}; --demo works from a clone of the liveprobe repository after \`npm ci\` (which builds it)`,
    );
  return path;
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
