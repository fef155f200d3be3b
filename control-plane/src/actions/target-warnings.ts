import type { Action } from '@liveprobe/protocol';
import type { AgentRecord } from '../store/store.js';

/**
 * Targets no agent has announced yet. Usually a typo, sometimes an agent that has not
 * started: the action is kept either way, because agents that join later must get it.
 */
export function unknownTargetWarnings(action: Action, agents: readonly AgentRecord[]): string[] {
  const knownTags = [...new Set(agents.flatMap((agent) => agent.birth.tags))].sort();
  const knownIds = new Set(agents.map((agent) => agent.agentId));
  const warnings: string[] = [];
  for (const tag of action.tags) {
    if (!knownTags.includes(tag)) {
      warnings.push(
        `no agent has reported tag "${tag}" yet (known tags: ${knownTags.length > 0 ? knownTags.join(', ') : 'none'}); the action will install when one joins`,
      );
    }
  }
  for (const id of action.agents) {
    if (!knownIds.has(id)) warnings.push(`no agent with id "${id}" has connected yet; the action will install when it joins`);
  }
  return warnings;
}
