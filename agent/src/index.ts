export { startAgent } from './main/agent-main.js';
