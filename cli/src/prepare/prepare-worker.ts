/**
 * A worker thread of `liveprobe prepare --jobs`: prepares the files it is sent, one at a time,
 * and answers each with its result (prepare-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { chooseParser } from './oxc-parse.js';
import { prepareOne, type FileJob } from './prepare-one.js';

// The pool's share of input per thread: the same choice as the pool's, so its report names the parser every thread used.
const { parse } = await chooseParser(workerData as number);
parentPort!.on('message', (job: FileJob) => parentPort!.postMessage(prepareOne(job, parse)));
