/**
 * A worker thread of `liveprobe prepare --jobs`: prepares the files it is sent, one at a time,
 * and answers each with its result (prepare-pool.ts).
 */
import { parentPort } from 'node:worker_threads';
import { oxcRawParser } from './oxc-parse.js';
import { prepareOne, type FileJob } from './prepare-one.js';

const parser = await oxcRawParser();
parentPort!.on('message', (job: FileJob) => parentPort!.postMessage(prepareOne(job, parser)));
