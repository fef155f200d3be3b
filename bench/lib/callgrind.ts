/**
 * Instruction counts with valgrind's callgrind: load-independent figures for the Python agent's
 * benchmark. Collection is on only inside one C function (`--toggle-collect`), so a script can
 * count exactly its measured loop; the count is callgrind's `totals:` line.
 */
import { fromRoot, repoRoot } from '@liveprobe/harness';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Instructions executed inside `collectIn` while `args` runs under callgrind. */
export async function countInstructions(args: string[], env: Record<string, string>, collectIn: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'liveprobe-callgrind-'));
  const out = join(dir, 'callgrind.out');
  try {
    const flags = ['--tool=callgrind', '--collect-atstart=no', `--toggle-collect=${collectIn}`, `--callgrind-out-file=${out}`];
    const child = spawn('valgrind', [...flags, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`valgrind ${args.join(' ')} exited ${code}:\n${stderr}`);
    const totals = /^totals: (\d+)/m.exec(readFileSync(out, 'utf8'));
    if (totals === null) throw new Error(`callgrind wrote no totals for ${args.join(' ')}`);
    return Number(totals[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
