/**
 * How often an agent sends a heartbeat (every runtime: agent-python's broker_link.py has the same
 * number). The control plane takes an agent it has not heard from for three of them as offline
 * (control-plane/src/agents/presence.ts). Apart from the schemas, so the agent's main thread
 * reads it without zod.
 */
export const HEARTBEAT_SECONDS = 30;
