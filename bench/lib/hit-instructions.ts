/**
 * Instructions per hit on the app's main thread, which do not depend on the machine's load: the
 * hit path of this checkout in a loop (scripts/hit-path-loop.mjs) under valgrind's callgrind,
 * threads counted apart, at N and at 2N hits; the main thread's difference over N is one hit
 * (start-up and V8's compiling cancel out).
 */
import { fromRoot, repoRoot } from '@liveprobe/harness';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Instructions the main thread ran for `hits` hits of `variant`, start-up included. */
async function mainThreadInstructions(variant: string, hits: number, env: Record<string, string>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'liveprobe-hit-instructions-'));
  try {
    const args = [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
      process.execPath,
      '--predictable',
      fromRoot('scripts/hit-path-loop.mjs'),
      repoRoot,
      variant,
      String(hits),
    ];
    const child = spawn('valgrind', args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`valgrind … hit-path-loop.mjs ${variant} ${hits} exited ${code}:\n${stderr}`);
    // Thread 1 is the main thread: callgrind.out-01.
    const main = readdirSync(dir).find((name) => name.endsWith('-01'));
    if (main === undefined) throw new Error(`callgrind wrote no file for the main thread of hit-path-loop.mjs ${variant}`);
    const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, main), 'utf8'));
    if (totals === null) throw new Error(`callgrind wrote no totals for hit-path-loop.mjs ${variant}`);
    return Number(totals[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The main thread's instructions per hit of `variant` (see scripts/hit-path-loop.mjs), as the
 * slope from `hits` to 2 × `hits`; `env` sets the loop's options (HIT_PATH_LOOP_LOG_FIRST).
 */
export async function instructionsPerHit(variant: string, hits: number, env: Record<string, string> = {}): Promise<number> {
  const once = await mainThreadInstructions(variant, hits, env);
  const twice = await mainThreadInstructions(variant, 2 * hits, env);
  return (twice - once) / hits;
}
