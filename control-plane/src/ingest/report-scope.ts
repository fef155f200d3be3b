/**
 * Whether an agent's report about an action may count: an agent credential is worth its own
 * agent, so output (hits), snapshots and statuses are taken only for actions that target the
 * agent, by its id or by one of the tags of its birth (which the embedded broker holds to the
 * agent's token). Anything else is some other agent's action, or none: not counted, not stored.
 */
import type { AgentOnline } from '@liveprobe/protocol';
import type { Store } from '../store/store.js';

/** Entries kept per map; an action's targets never change, and an agent's tags only with a new birth. */
const MAX_CACHED = 10_000;

export class ReportScope {
  private readonly targets = new Map<string, { tags: readonly string[]; agents: readonly string[] } | null>();
  private readonly agentTags = new Map<string, readonly string[]>();

  constructor(private readonly store: Store) {}

  /** A birth was accepted: from now on the agent's reports are judged by these tags. */
  birth(status: AgentOnline): void {
    remember(this.agentTags, status.agentId, status.tags);
  }

  /**
   * Why `agentId` may not report on `actionId`; undefined when it may. A deleted action still
   * takes statuses (its agents report removing it), never hits or snapshots.
   */
  async refusal(agentId: string, actionId: string, kind: 'counted' | 'status'): Promise<string | undefined> {
    const targets = await this.targetsOf(actionId);
    if (targets === null) return kind === 'status' ? undefined : `there is no action ${actionId}`;
    if (targets.agents.includes(agentId)) return undefined;
    const tags = await this.tagsOf(agentId);
    if (targets.tags.some((tag) => tags.includes(tag))) return undefined;
    return `action ${actionId} does not target it (agents: ${targets.agents.join(', ') || 'none'}; tags: ${targets.tags.join(', ') || 'none'}; its tags: ${tags.join(', ') || 'none'})`;
  }

  private async targetsOf(actionId: string): Promise<{ tags: readonly string[]; agents: readonly string[] } | null> {
    const cached = this.targets.get(actionId);
    if (cached !== undefined) return cached;
    const action = await this.store.getAction(actionId);
    const targets = action === undefined ? null : { tags: action.tags, agents: action.agents };
    // An unknown id is not cached: the action may be created in a moment (another replica).
    if (targets !== null) remember(this.targets, actionId, targets);
    return targets;
  }

  private async tagsOf(agentId: string): Promise<readonly string[]> {
    const known = this.agentTags.get(agentId);
    if (known !== undefined) return known;
    // Its birth came before this control plane started (a retained status), or was forgotten.
    const record = (await this.store.listAgents()).find((agent) => agent.agentId === agentId);
    const tags = record?.birth.tags ?? [];
    if (record !== undefined) remember(this.agentTags, agentId, tags);
    return tags;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
