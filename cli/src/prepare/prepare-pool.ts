/**
 * Prepares a folder's files on several threads (`liveprobe prepare --jobs`): the transform is
 * CPU-bound JavaScript, so a build machine's idle cores can share a large tree. Each worker pays
 * its own JIT warm-up and competes with whatever else the machine runs, so it is asked for, not
 * the default (docs/PREPARE.md has the measurement). The largest files go first, so one big
 * bundle does not finish last on an otherwise idle pool. Results come back in the tree's order
 * whatever the order of completion.
 */
import { Worker } from 'node:worker_threads';
import { oxcRawParser } from './oxc-parse.js';
import { prepareOne, type FileDone, type FileJob } from './prepare-one.js';

/** Prepares every job, `jobs` at a time (1: on this thread); `onDone` after each file. */
export async function prepareAll(
  jobs: readonly FileJob[],
  sizes: readonly number[],
  threads: number,
  onDone: (done: FileDone) => void,
): Promise<FileDone[]> {
  const results = new Array<FileDone>(jobs.length);
  if (threads <= 1 || jobs.length <= 1) {
    const parser = await oxcRawParser();
    jobs.forEach((job, i) => {
      results[i] = prepareOne(job, parser);
      onDone(results[i]);
    });
    return results;
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
  const workers = Array.from({ length: Math.min(threads, jobs.length) }, () => new Worker(new URL('./prepare-worker.js', import.meta.url)));
  try {
    await Promise.all(workers.map(run));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
