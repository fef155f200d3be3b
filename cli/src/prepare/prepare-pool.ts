/**
 * Prepares a folder's files on several threads (`liveprobe prepare --jobs`): the transform is
 * CPU-bound JavaScript, so a build machine's idle cores can share a large tree. Each worker pays
 * its own JIT warm-up and competes with whatever else the machine runs, so a tree gets a thread
 * per core only where each has enough input to be worth it (prepare-tree.ts defaultJobs;
 * docs/PREPARE.md has the measurement). The largest files go first, so one big
 * bundle does not finish last on an otherwise idle pool. Results come back in the tree's order
 * whatever the order of completion.
 */
import { Worker } from 'node:worker_threads';
import { chooseParser, type ParserChoice } from './oxc-parse.js';
import { prepareOne, type FileDone, type FileJob } from './prepare-one.js';

/**
 * Prepares every job, `jobs` at a time (1: on this thread); `onDone` after each file. Every thread
 * parses with the parser chosen for its share of the input (oxc-parse.ts).
 */
export async function prepareAll(
  jobs: readonly FileJob[],
  sizes: readonly number[],
  threads: number,
  onDone: (done: FileDone) => void,
): Promise<{ done: FileDone[]; parser: ParserChoice }> {
  const results = new Array<FileDone>(jobs.length);
  const count = Math.max(1, Math.min(threads, jobs.length));
  const bytesPerThread = sizes.reduce((sum, size) => sum + size, 0) / count;
  const { choice, parse } = await chooseParser(bytesPerThread);
  if (count === 1) {
    jobs.forEach((job, i) => {
      results[i] = prepareOne(job, parse);
      onDone(results[i]);
    });
    return { done: results, parser: choice };
  }
  const order = jobs.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!);
  let next = 0;
  const run = (worker: Worker): Promise<void> =>
    new Promise((resolve, reject) => {
      let current = -1;
      const send = (): void => {
        current = next < order.length ? order[next++]! : -1;
        if (current === -1) resolve();
        else worker.postMessage(jobs[current]);
      };
      worker.on('message', (done: FileDone) => {
        results[current] = done;
        onDone(done);
        send();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (current !== -1)
          reject(new Error(`a prepare worker stopped (exit code ${code}) while preparing ${jobs[current]!.file.relative}`));
      });
      send();
    });
  const workers = Array.from(
    { length: count },
    () => new Worker(new URL('./prepare-worker.js', import.meta.url), { workerData: bytesPerThread }),
  );
  try {
    await Promise.all(workers.map(run));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { done: results, parser: choice };
}
