/**
 * The worker's entry with LIVEPROBE_INSPECTOR_SESSION=startup: the inspector session opens
 * before anything heavy loads, since the app's main thread waits for it; then the agent starts.
 */
import { workerData } from 'node:worker_threads';
import type { WorkerData } from '../bridge.js';
import { StartupSession } from './startup-session.js';

const { sessionOpen, sessionReady } = workerData as WorkerData;
if (sessionReady !== undefined) await StartupSession.open(sessionOpen, sessionReady).catch(() => undefined);
await import('./worker.js');
