// Starts the agent, synchronously and without top-level await, so CommonJS can require it.
import { errorMessage } from '@liveprobe/protocol/util';
import { startAgent } from './main/agent-main.js';

try {
  startAgent();
} catch (err) {
  process.stderr.write(`[liveprobe] the agent could not start and is disabled: ${errorMessage(err)}\n`);
}
