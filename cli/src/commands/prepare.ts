/**
 * `liveprobe prepare <dir>`: a build step that prepares the app's files ahead of time, so in
 * production actions land on prepared sites with no transform at start-up and no cache folder.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJobs } from '../arguments.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { isFolder } from '../prepare/is-folder.js';
import { prepareTree, type PrepareTreeReport } from '../prepare/prepare-tree.js';

/** Progress is shown only for runs that last; then at most this often. */
const PROGRESS_MS = 1000;

export function registerPrepare(program: Command, ctx: Context): void {
  program
    .command('prepare')
    .description(
      'prepare the JavaScript files of a folder (tsc output, a bundle, a whole app) so actions on them need no breakpoint; the output runs with or without the agent',
    )
    .argument('<dir>', 'the folder to prepare')
    .option('--out <dir>', 'write the prepared files, and a copy of every other file, into this folder instead of in place')
    .option('--node-modules', 'also prepare files under node_modules (skipped by default)')
    .option(
      '--jobs <n>',
      "threads preparing files (default: one per core, as long as each gets 1 MiB of input or more; 1: on the command's own thread)",
      parseJobs,
    )
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, options: { out?: string; nodeModules?: boolean; jobs?: number; json?: boolean }) => {
      const root = resolve(dir);
      if (!isFolder(root))
        throw new UsageError(`cannot prepare ${dir}: not a folder; give the folder of the built files, e.g. liveprobe prepare dist`);
      const out = options.out === undefined ? undefined : resolve(options.out);
      if (out !== undefined && existsSync(out) && !isFolder(out))
        throw new UsageError(`--out ${options.out}: a file is there; give a folder to write into`);
      let last = performance.now();
      const report = await prepareTree({
        root,
        ...(out === undefined || out === root ? {} : { out }),
        nodeModules: options.nodeModules === true,
        ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
        progress: (done, total, bytes, totalBytes) => {
          const now = performance.now();
          if (now - last < PROGRESS_MS || done === total) return;
          last = now;
          ctx.io.err(`preparing: ${done}/${total} files, ${megabytes(bytes)} of ${megabytes(totalBytes)} MB`);
        },
      });
      if (options.json === true) return ctx.io.out(JSON.stringify(report, null, 2));
      for (const line of summary(report)) ctx.io.out(line);
    });
}

export function summary(report: PrepareTreeReport): string[] {
  const prepared = report.files.filter((f) => f.outcome === 'prepared');
  const already = report.files.filter((f) => f.outcome === 'already-prepared');
  const untouched = report.files.filter((f) => f.outcome === 'untouched');
  const webRuntime = report.files.filter((f) => f.outcome === 'web-runtime');
  const bytesIn = prepared.reduce((sum, f) => sum + f.bytes, 0);
  const bytesOut = prepared.reduce((sum, f) => sum + (f.outputBytes ?? 0), 0);
  const where = report.out === report.root ? 'in place' : `into ${report.out}`;
  const lines = [
    `prepared ${prepared.length} ${plural(prepared.length, 'file')} (${megabytes(bytesIn)} MB → ${megabytes(bytesOut)} MB) ${where} in ${(report.ms / 1000).toFixed(1)} s${report.jobs > 1 ? ` on ${report.jobs} threads` : ''}`,
  ];
  lines.push(
    report.parser.name === 'oxc-raw-transfer'
      ? "parsed with oxc-parser's raw transfer"
      : `parsed with ${report.parser.name}: ${report.parser.reason ?? 'unknown'}`,
  );
  const bySyntax = prepared.filter((f) => f.moduleBySyntax === true).length;
  if (bySyntax > 0)
    lines.push(
      `${bySyntax} of them ES modules by their syntax, in packages not marked "type": "module" (Node 20.19+ and 22.7+ load them as modules too)`,
    );
  if (report.copied > 0) lines.push(`copied ${report.copied} other ${plural(report.copied, 'file')}`);
  if (already.length > 0) lines.push(`${already.length} ${plural(already.length, 'file')} already prepared, left as they are`);
  if (report.nodeModulesSkipped > 0)
    lines.push(
      `node_modules not entered (${report.nodeModulesSkipped} ${plural(report.nodeModulesSkipped, 'folder')}; --node-modules prepares them${report.out === report.root ? '' : ', and they are not copied'})`,
    );
  const browser = report.browserFolders;
  if (browser.length > 0) {
    lines.push(
      `${browser.length} ${plural(browser.length, 'folder')} of the browser's files left as written${report.out === report.root ? '' : ' (copied)'}: preparing would change what browsers get, and no agent runs there:`,
    );
    lines.push(...browser.map((f) => `  ${f.path}/: ${f.reason}`));
  }
  if (untouched.length > 0) {
    lines.push(`${untouched.length} ${plural(untouched.length, 'file')} left as written (their lines take actions as breakpoints):`);
    lines.push(...why(untouched));
  }
  if (webRuntime.length > 0) {
    lines.push(
      `${webRuntime.length} ${plural(webRuntime.length, 'file')} left as written for a web or edge runtime (Next.js's middleware): no agent runs there, so actions cannot reach ${webRuntime.length === 1 ? 'its' : 'their'} lines:`,
    );
    lines.push(...why(webRuntime));
  }
  if (prepared.length > 0)
    lines.push(
      'run the app with the agent as usual (node --import @liveprobe/agent/register …): no LIVEPROBE_PREPARE needed for these files',
    );
  return lines;
}

/** Each file left as written, with why. */
function why(files: PrepareTreeReport['files']): string[] {
  return files.map((f) => `  ${f.path}: ${f.reason ?? 'unknown'}`);
}

function megabytes(bytes: number): string {
  return (bytes / 1048576).toFixed(2);
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
