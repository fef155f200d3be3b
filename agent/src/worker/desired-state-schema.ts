/**
 * The desired-state schema, re-exported so the broker link can load it when the first desired
 * state arrives: with it come zod and every action's schema (~7 MiB of an agent's RSS), which
 * an agent that never gets an action does not need. The worker's bundle
 * (agent/scripts/bundle-agent.mjs) turns this dynamic import into a chunk of its own.
 */
export { DesiredState } from '@liveprobe/protocol';
