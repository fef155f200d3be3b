// `node --import @liveprobe/agent/register app.js`
import './start.js';
import { agentStarted } from './main/agent-main.js';

// With LIVEPROBE_STARTUP_WAIT_MS the app's own modules load once the agent applied its actions.
await agentStarted();
