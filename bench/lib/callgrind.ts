/**
 * Instruction counts with valgrind's callgrind: load-independent figures. countInstructions
 * collects only inside one C function (`--toggle-collect`), so a script can count exactly its
 * measured loop (the Python agent's benchmark), and countInstructionsWithin splits that count by
 * the functions it calls; mainThreadInstructions counts a Node.js
 * process's main thread, start-up included, so two runs with different counts give a slope.
 */
import { repoRoot } from '@liveprobe/harness';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Instructions executed inside `collectIn` while `args` runs under callgrind. */
export async function countInstructions(args: string[], env: Record<string, string>, collectIn: string): Promise<number> {
  return (await countInstructionsWithin(args, env, collectIn, [])).total;
}

/**
 * Instructions executed inside `collectIn`, and how many of them ran inside each of `parts`
 * (functions it calls, named by the start of their demangled name), by callgrind_annotate's
 * inclusive costs: where a C++ handler's instructions go.
 */
export async function countInstructionsWithin(
  args: string[],
  env: Record<string, string>,
  collectIn: string,
  parts: readonly string[],
): Promise<{ total: number; parts: Map<string, number> }> {
  return underCallgrind(['--collect-atstart=no', `--toggle-collect=${collectIn}`], args, env, args.join(' '), (dir) => {
    const out = join(dir, 'callgrind.out');
    const totals = /^totals: (\d+)/m.exec(readFileSync(out, 'utf8'));
    if (totals === null) throw new Error(`callgrind wrote no totals for ${args.join(' ')}`);
    return { total: Number(totals[1]), parts: parts.length === 0 ? new Map() : inclusiveCosts(out, parts) };
  });
}

/** Each part's inclusive instructions (summed over its overloads and clones) in a callgrind file. */
function inclusiveCosts(file: string, parts: readonly string[]): Map<string, number> {
  const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (annotated.status !== 0) throw new Error(`callgrind_annotate ${file} exited ${annotated.status}: ${annotated.stderr}`);
  const costs = new Map(parts.map((part) => [part, 0]));
  // A row: "  437,927,435 (50.15%)  ???:v8::debug::Script::GetSha256Hash() const [/usr/bin/node]".
  for (const row of annotated.stdout.matchAll(/^\s*([\d,]+) \([^)]*\)\s+[^:\s]*:(.+?) \[[^\]]*\]$/gm)) {
    const name = row[2]!;
    // Recursive entries ("…'2") repeat a cost already counted in the outer one.
    if (/'\d+$/.test(name)) continue;
    const part = parts.find((p) => name.startsWith(p));
    if (part !== undefined) costs.set(part, costs.get(part)! + Number(row[1]!.replaceAll(',', '')));
  }
  return costs;
}

/**
 * Instructions the main thread of `node <nodeArgs>` ran, start-up included (`--predictable`: V8
 * runs its compilers and GC on that thread, so they count alike in every run).
 */
export async function mainThreadInstructions(nodeArgs: string[], env: Record<string, string>): Promise<number> {
  const described = nodeArgs.map((arg) => arg.replace(`${repoRoot}/`, '')).join(' ');
  return underCallgrind(['--separate-threads=yes'], [process.execPath, '--predictable', ...nodeArgs], env, described, (dir) => {
    // Thread 1 is the main thread: callgrind.out-01.
    const main = readdirSync(dir).find((name) => name.endsWith('-01'));
    if (main === undefined) throw new Error(`callgrind wrote no file for the main thread of ${described}`);
    const totals = /^(?:totals|summary): (\d+)/m.exec(readFileSync(join(dir, main), 'utf8'));
    if (totals === null) throw new Error(`callgrind wrote no totals for ${described}`);
    return Number(totals[1]);
  });
}

/**
 * Runs `args` under callgrind with `flags`, its output in a temporary folder that `read` reads
 * (callgrind.out, or one file per thread beside it) before the folder goes.
 */
async function underCallgrind<T>(
  flags: string[],
  args: string[],
  env: Record<string, string>,
  described: string,
  read: (dir: string) => T,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'liveprobe-callgrind-'));
  try {
    const child = spawn('valgrind', ['--tool=callgrind', ...flags, `--callgrind-out-file=${join(dir, 'callgrind.out')}`, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`valgrind … ${described} exited ${code}:\n${stderr}`);
    return read(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
