import type { AgentView } from '@liveprobe/protocol';
import type { Store } from '../store/store.js';

/** An agent as the REST API shows it: its latest status message (the birth, updated since) plus presence. */
export type { AgentView };

export class AgentDirectory {
  constructor(private readonly store: Store) {}

  /** Online agents first, then by id. */
  async list(): Promise<AgentView[]> {
    const records = await this.store.listAgents();
    return records
      .map(({ birth: { state: _, ...birth }, online, lastSeen }) => ({ ...birth, online, lastSeen }))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.agentId.localeCompare(b.agentId));
  }
}
